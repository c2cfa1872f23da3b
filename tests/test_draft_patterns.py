"""The pattern a draft picks depends on the engine and server version (table-driven, no database): what each
version can do without a long lock decides the steps."""

from __future__ import annotations

import pytest

from dbsage.tools.migrations.draft import DraftRequest, draft_migration

CASES = [
    # (intent options, dialect, version, expected in up, not expected in up)
    (dict(intent="set-not-null", table="t", columns=["c"]), "postgres", "12", "SET NOT NULL", None),
    (dict(intent="set-not-null", table="t", columns=["c"]), "postgres", "11", "VALIDATE CONSTRAINT", "SET NOT NULL"),
    (dict(intent="add-column", table="t", columns=["c"], type="int", default="0", not_null=True), "postgres", "11",
     "DEFAULT 0 NOT NULL", "DO $dbsage$"),
    (dict(intent="add-column", table="t", columns=["c"], type="int", default="0", not_null=True), "postgres", "10",
     "LIMIT 1000", "DEFAULT 0 NOT NULL"),  # PG 10 rewrites for any default, and cannot COMMIT in a DO block
    (dict(intent="backfill", table="t", columns=["c"], set_expr="0"), "postgres", "10", "LIMIT 1000", "DO $dbsage$"),
    (dict(intent="add-column", table="t", columns=["c"], type="int"), "mysql", "8.0.12", "ALGORITHM=INSTANT", None),
    (dict(intent="add-column", table="t", columns=["c"], type="int"), "mysql", "5.7.40",
     "ALGORITHM=INPLACE, LOCK=NONE", "INSTANT"),
    (dict(intent="add-column", table="t", columns=["c"], type="int"), "mariadb", "10.3.2", "ALGORITHM=INSTANT", None),
    (dict(intent="add-index", table="t", columns=["c"]), "mysql", "8.0.36", "ALGORITHM=INPLACE, LOCK=NONE", None),
    (dict(intent="add-check", table="t", check="c > 0"), "mysql", "8.0.36", "ALGORITHM=COPY, LOCK=SHARED", None),
    (dict(intent="rename-column", table="t", columns=["a"], new_name="b", type="int"), "postgres", "10",
     "EXECUTE PROCEDURE", "EXECUTE FUNCTION"),
]


@pytest.mark.parametrize(("fields", "dialect", "version", "present", "absent"),
                         CASES)
def test_pattern_follows_the_server_version(fields: dict[str, object], dialect: str, version: str,
                                            present: str | None, absent: str | None) -> None:
    draft = draft_migration(DraftRequest(**fields), dialect=dialect, server_version=version)  # type: ignore[arg-type]
    up = "\n".join(step.sql for step in draft.up)  # the statements, not their comments
    assert present is None or present in up
    assert absent is None or absent not in up


def test_mysql_drop_column_is_instant_from_the_versions_that_can() -> None:
    def down_of_add(dialect: str, version: str) -> str:
        request = DraftRequest(intent="add-column", table="t", columns=["c"], type="int")
        return draft_migration(request, dialect=dialect, server_version=version).down_sql()

    assert "ALGORITHM=INSTANT" in down_of_add("mysql", "8.0.29")
    assert "ALGORITHM=INPLACE" in down_of_add("mysql", "8.0.28")
    assert "ALGORITHM=INSTANT" in down_of_add("mariadb", "10.4")


def test_concurrently_steps_run_outside_a_transaction_and_validate_alone() -> None:
    draft = draft_migration(DraftRequest(intent="add-foreign-key", table="t", columns=["c"], references="p(id)"))
    concurrent = [s for s in draft.up if "CONCURRENTLY" in s.sql]
    assert concurrent and all(not s.transactional for s in concurrent)
    validate = next(s for s in draft.up if "VALIDATE" in s.sql)
    assert validate.new_transaction
    assert "BEGIN;\n" not in draft.up_sql().split("CREATE INDEX CONCURRENTLY")[0]


def test_two_phase_drafts_carry_application_steps() -> None:
    draft = draft_migration(DraftRequest(intent="rename-table", table="orders", new_name="purchases"))
    assert [p.name for p in draft.phases()] == ["expand", "contract"]
    assert draft.app_steps and "purchases" in draft.app_steps[0]
    assert "CREATE VIEW orders AS SELECT * FROM purchases" in draft.up_sql()
