"""Advice a DBA can follow blindly (issue 10): every statement `check`, `advise` and the proposals export write is
accepted by a real server, on a schema with partitions, foreign keys with and without an index, duplicate indexes
(one of them a constraint's), expression and INCLUDE indexes, all in a non-default schema; and following all of
`check`'s fixes in order never produces a finding that was not there before (no new "FK without index").

The fixes applied are those about this database's objects (families schema, indexes, maintenance); server-wide
ones (ALTER SYSTEM, roles, pg_hba) would change the test cluster every other test module shares.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from dbsage.tools.advisor.advisor import AdviseOptions, advise
from dbsage.tools.advisor.candidate import IndexCandidate, IndexKey
from dbsage.tools.advisor.ddl import candidate_ddl
from dbsage.tools.advisor.report import AdviceReport
from dbsage.tools.advisor.workload import WorkloadStatement
from dbsage.tools.checks import CheckReport, Thresholds
from dbsage.tools.engines import connect
from dbsage.tools.engines.postgres.adapter import PostgresEngine
from dbsage.tools.migrations.draft.model import split_script
from dbsage.tools.targets import resolve

SCHEMA = """
CREATE SCHEMA app;
CREATE TABLE app.customer (id int PRIMARY KEY, email text NOT NULL, region text, created_at timestamptz);
CREATE TABLE app.store (id int PRIMARY KEY, name text NOT NULL);
-- a partitioned fact table: one FK with no index at all, one whose only support is a partitioned index
CREATE TABLE app.payment (id bigint NOT NULL, customer_id int NOT NULL REFERENCES app.customer,
                          store_id int NOT NULL REFERENCES app.store, paid_at date NOT NULL, amount numeric NOT NULL,
                          PRIMARY KEY (id, paid_at)) PARTITION BY RANGE (paid_at);
CREATE TABLE app.payment_2024 PARTITION OF app.payment FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE app.payment_2025 PARTITION OF app.payment FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE INDEX payment_store_id_idx ON app.payment (store_id);
-- a partitioned index left INVALID half-way: one partition's index attached, the other's missing
CREATE INDEX payment_amount_idx ON ONLY app.payment (amount);
CREATE INDEX payment_2024_amount_idx ON app.payment_2024 (amount);
ALTER INDEX app.payment_amount_idx ATTACH PARTITION app.payment_2024_amount_idx;
-- two identical indexes, both supporting the same FK: one may go, never both
CREATE TABLE app.rental (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES app.customer, note text);
CREATE INDEX idx_rental_customer ON app.rental (customer_id);
CREATE INDEX rental_customer_id_idx ON app.rental (customer_id);
-- a copy of a constraint's index: the copy goes, the constraint's stays
CREATE TABLE app.tag (id int PRIMARY KEY, code text NOT NULL UNIQUE);
CREATE INDEX tag_code_idx ON app.tag (code);
-- an FK whose only support is an unused index
CREATE TABLE app.inventory (id int PRIMARY KEY, store_id int NOT NULL REFERENCES app.store, film text NOT NULL);
CREATE INDEX inventory_store_id_idx ON app.inventory (store_id);
-- expression and INCLUDE indexes nothing reads
CREATE INDEX customer_lower_email_idx ON app.customer (lower(email));
CREATE INDEX customer_region_incl_idx ON app.customer (region) INCLUDE (email);
-- no primary key: a partitioned table, and a table that has an `id` column already
CREATE TABLE app.event_log (at timestamptz NOT NULL, kind text NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE app.event_log_2025 PARTITION OF app.event_log FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE app.legacy (id int, v int);

INSERT INTO app.customer SELECT g, 'c' || g || '@x.org', 'r' || (g % 7), now() FROM generate_series(1, 3000) g;
INSERT INTO app.store SELECT g, 's' || g FROM generate_series(1, 20) g;
INSERT INTO app.payment SELECT g, 1 + g % 3000, 1 + g % 20, date '2024-01-01' + (g % 700), g % 97
  FROM generate_series(1, 20000) g;
INSERT INTO app.rental SELECT g, 1 + g % 3000, NULL FROM generate_series(1, 5000) g;
INSERT INTO app.tag SELECT g, 't' || g FROM generate_series(1, 300) g;
INSERT INTO app.inventory SELECT g, 1 + g % 20, 'f' || g FROM generate_series(1, 2000) g;
INSERT INTO app.event_log SELECT timestamptz '2025-01-01' + g * interval '1 minute', 'k' FROM generate_series(1, 500) g;
INSERT INTO app.legacy SELECT g, g FROM generate_series(1, 100) g;
"""

# what the application reads: by primary key only, so the secondary indexes show 0 scans
READS = ["SELECT * FROM app.customer WHERE id = 5", "SELECT * FROM app.rental WHERE id = 9",
         "SELECT * FROM app.tag WHERE id = 3", "SELECT * FROM app.inventory WHERE id = 7",
         "SELECT * FROM app.store WHERE id = 2", "SELECT count(*) FROM app.payment WHERE id = 11",
         "SELECT * FROM app.legacy WHERE v = 3", "SELECT count(*) FROM app.event_log"]

WORKLOAD = [
    "SELECT paid_at, amount FROM app.payment WHERE customer_id = 42 ORDER BY paid_at DESC LIMIT 20",
    "SELECT sum(amount) FROM app.payment WHERE store_id = 3 AND paid_at >= date '2025-03-01'",
    "SELECT id FROM app.customer WHERE lower(email) = 'c17@x.org'",
    "SELECT r.id FROM app.rental r JOIN app.customer c ON c.id = r.customer_id WHERE c.region = 'r3'",
]

OBJECT_FAMILIES = ("schema", "indexes", "maintenance")
JUDGE_NOW = Thresholds(min_stats_age_days=0)


def _settle(dsn: str) -> None:
    """Sessions hand their statistics over when they exit: wait for the others to be gone."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend'").fetchone()[0]:  # type: ignore[index]
            time.sleep(0.02)


def _fixture(make_pg_db) -> str:
    dsn = make_pg_db(SCHEMA)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ANALYZE")
        for _ in range(3):
            for sql in READS:
                conn.execute(sql)  # type: ignore[arg-type]
    _settle(dsn)
    return dsn


@pytest.fixture
def engine_on(make_pg_db) -> Iterator[tuple[str, PostgresEngine]]:
    dsn = _fixture(make_pg_db)
    engine = connect(resolve(dsn))
    assert isinstance(engine, PostgresEngine)
    yield dsn, engine
    engine.close()


def _apply(dsn: str, script: str) -> list[str]:
    """Run every statement of `script` one by one (autocommit: CONCURRENTLY cannot run in a transaction block);
    the statements run, in order. Comment-only scripts run nothing."""
    done = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in split_script(script, "postgres"):
            conn.execute(statement)  # type: ignore[arg-type]
            done.append(statement)
    return done


def _run_file(dsn: str, script: str) -> None:
    """Run a migration file as psql would: every statement in order, its own BEGIN/COMMIT included — so a
    CONCURRENTLY step inside a transaction block would fail here as it would there."""
    from pglast import split

    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in split(script, with_parser=False):
            conn.execute(statement)  # type: ignore[arg-type]


def _findings(report: CheckReport) -> set[tuple[str, str]]:
    return {(f.id, f.object or "") for f in report.findings if f.family in OBJECT_FAMILIES}


def _fix_of(report: CheckReport, rule: str, obj: str) -> str:
    found = [f for f in report.findings if f.id == rule and f.object == obj]
    assert len(found) == 1, (rule, obj, sorted(_findings(report)))
    return found[0].fix or ""


def test_drops_never_touch_what_holds_the_schema_together(engine_on) -> None:
    _dsn, engine = engine_on
    report = engine.checks(JUDGE_NOW)
    drops = {f.object: f for f in report.findings if f.id in ("indexes.duplicate", "indexes.redundant",
                                                              "indexes.unused")}
    # the last support of a foreign key, a constraint's index, a partitioned index: never
    for kept in ("app.inventory_store_id_idx", "app.payment_store_id_idx", "app.tag_code_key", "app.tag_pkey"):
        assert kept not in drops, drops[kept].title
    assert not any(name.startswith("app.payment_2024") or name.startswith("app.payment_2025") for name in drops)
    # of the identical pair supporting rental's FK exactly one goes, the conventionally named one stays, and why
    assert drops["app.idx_rental_customer"].id == "indexes.duplicate"
    assert "app.rental_customer_id_idx" not in drops
    assert "name says what it indexes" in drops["app.idx_rental_customer"].evidence["why_this_one"]
    assert drops["app.tag_code_idx"].evidence["duplicate_of"] == "app.tag_code_key"
    assert "enforces a constraint" in drops["app.tag_code_idx"].evidence["why_this_one"]
    # indexes nothing holds up may be called unused, with the replicas named
    assert drops["app.customer_lower_email_idx"].id == "indexes.unused"
    assert "replica" in (drops["app.customer_lower_email_idx"].fix or "")
    # the same run twice: the same drops (no usage counter decides which of a pair goes)
    assert {(f.id, f.object) for f in engine.checks(JUDGE_NOW).findings if f.object in drops} == \
        {(f.id, o) for o, f in drops.items()}


def test_unused_waits_for_old_enough_statistics(engine_on) -> None:
    _dsn, engine = engine_on
    report = engine.checks()  # default: 7 days of counters; this database is seconds old
    assert not report.by_id("indexes.unused")
    (early,) = report.by_id("indexes.unused_too_early")
    assert "app.customer_lower_email_idx" in early.evidence["indexes"]
    assert early.evidence["stats_age_days"] < 1 and early.evidence["counting_since"] == "database creation"
    assert "replica" in early.evidence["replicas"] and "too early to tell" in early.title


def test_applying_every_fix_in_order_succeeds_and_makes_nothing_worse(engine_on) -> None:
    dsn, engine = engine_on
    before = engine.checks(JUDGE_NOW)
    fk_before = before.by_id("schema.fk_without_index")
    assert any(f.evidence["table"] == "app.payment" for f in fk_before)  # the partitioned table's FK
    payment_fix = next(f.fix or "" for f in fk_before if f.evidence["table"] == "app.payment")
    assert "ON ONLY app.payment" in payment_fix and "ATTACH PARTITION" in payment_fix
    statements = [" ".join(line for line in s.splitlines() if not line.lstrip().startswith("--"))
                  for s in split_script(payment_fix, "postgres")]
    assert [s for s in statements if "ON ONLY" in s and "CONCURRENTLY" not in s]  # never CONCURRENTLY on the parent
    assert sum("CONCURRENTLY" in s for s in statements) == 2  # one per partition
    invalid = _fix_of(before, "indexes.invalid", "app.payment_amount_idx")
    assert "ON app.payment_2025 " in invalid and "app.payment_2024" not in invalid and "DROP" not in invalid
    applied = 0
    for finding in before.findings:
        if finding.family in OBJECT_FAMILIES and finding.fix:
            try:
                applied += len(_apply(dsn, finding.fix))
            except psycopg.Error as exc:  # the server refused a statement dbsage wrote
                pytest.fail(f"{finding.id} on {finding.object}: {exc}\n{finding.fix}")
    assert applied >= 8
    _settle(dsn)
    after = engine.checks(JUDGE_NOW)
    new = _findings(after) - _findings(before)
    assert new == set(), new
    assert len(after.by_id("schema.fk_without_index")) == 0 < len(fk_before)
    with psycopg.connect(dsn) as conn:  # the partitioned index the fix built is complete (valid)
        assert conn.execute("SELECT bool_and(indisvalid) FROM pg_index WHERE indrelid = 'app.payment'::regclass"
                            ).fetchone() == (True,)  # the FK's new index, and the invalid one completed


def _advice(engine: PostgresEngine) -> AdviceReport:
    statements = [WorkloadStatement(id=f"q{n}", sql=sql) for n, sql in enumerate(WORKLOAD, start=1)]
    with engine.what_if() as backend:
        return advise(backend, engine.introspect(), statements, AdviseOptions(min_stats_age_days=0))


def test_every_statement_advise_writes_is_accepted(engine_on) -> None:
    dsn, engine = engine_on
    report = _advice(engine)
    assert report.recommendations
    for rec in report.recommendations:
        _apply(dsn, rec.create_sql)
    for rec in report.recommendations:
        _apply(dsn, rec.drop_sql)
    for drop in report.drop_candidates:
        assert drop.index_name not in ("inventory_store_id_idx", "payment_store_id_idx", "tag_code_key")
        _apply(dsn, drop.drop_sql)
    _settle(dsn)
    assert not engine.checks(JUDGE_NOW).by_id("schema.fk_without_index") or all(
        f.evidence["table"] == "app.payment" and f.evidence["columns"] == ["customer_id"]
        for f in engine.checks(JUDGE_NOW).by_id("schema.fk_without_index"))  # only the one that was there


def test_candidate_on_a_partitioned_table_with_expression_include_and_predicate(engine_on) -> None:
    dsn, engine = engine_on
    schema = engine.introspect()
    candidate = IndexCandidate(schema_name="app", table="payment",
                               keys=(IndexKey(sql="customer_id"), IndexKey(sql="(amount * 2)", expression=True)),
                               include=("paid_at",), where="amount > 10")
    ddl = candidate_ddl(candidate, schema)
    assert ddl is not None and ddl.up[0].startswith("CREATE INDEX IF NOT EXISTS") and "ON ONLY app.payment" in ddl.up[0]
    assert sum("CONCURRENTLY" in s for s in ddl.up) == 2 and sum("ATTACH PARTITION" in s for s in ddl.up) == 2
    _apply(dsn, ddl.up_sql())
    with psycopg.connect(dsn) as conn:
        valid = conn.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = %s::regclass",
                             (f"app.{candidate.name}",)).fetchone()
    assert valid == (True,)
    _apply(dsn, ddl.down_sql())
    with psycopg.connect(dsn) as conn:
        left = conn.execute("SELECT count(*) FROM pg_class WHERE relname LIKE '%%customer_id_amount%%'").fetchone()
    assert left == (0,)  # the down removed the parent's index and every partition's
    assert candidate_ddl(candidate.model_copy(update={"table": "customer"}), schema) is None  # plain: its own DDL


def test_exported_proposals_apply(engine_on, tmp_path: Path) -> None:
    from dbsage.agent.proposals.advice import file_advice
    from dbsage.agent.proposals.store import ProposalStore

    dsn, engine = engine_on
    report = _advice(engine)
    filed = file_advice(report, by="test", engine="postgres")
    assert filed.new
    store = ProposalStore()
    partitioned = 0
    for proposal in filed.new:
        store.approve(proposal.id, by="a person")
        for tool, folder in ((None, tmp_path / f"plain{proposal.id}"), ("sql", tmp_path / f"sql{proposal.id}")):
            paths = sorted(store.export(proposal.id, folder, by="a person", tool=tool))
            ups = [p for p in paths if ".down." not in p.name and "down" not in p.parts[-1].split(".")[0:1]]
            downs = [p for p in paths if p not in ups]
            for path in ups:
                partitioned += "ON ONLY" in path.read_text()
                _run_file(dsn, path.read_text())
            for path in downs:
                _run_file(dsn, path.read_text())
    assert partitioned or not any(r.index.table == "payment" for r in report.recommendations)


def test_cli_min_stats_days(engine_on, tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from dbsage.agent.cli.app import app

    dsn, _engine = engine_on
    ids = {}
    for days in (None, "0"):
        args = ["check", "--db", dsn, "--family", "indexes", "--format", "json"]
        result = CliRunner().invoke(app, args + (["--min-stats-days", days] if days else []))
        assert result.exit_code == 0, result.output
        ids[days] = {f["id"] for f in json.loads(result.stdout)["report"]["findings"]}
    assert "indexes.unused_too_early" in ids[None] and "indexes.unused" not in ids[None]
    assert "indexes.unused" in ids["0"] and "indexes.unused_too_early" not in ids["0"]
    bad = CliRunner().invoke(app, ["check", "--db", dsn, "--min-stats-days", "-1"])
    assert bad.exit_code == 2 and "--min-stats-days" in bad.output  # a usage error
    (tmp_path / "w.sql").write_text(";\n".join(WORKLOAD) + ";\n")
    advice = CliRunner().invoke(app, ["advise", "--db", dsn, "--workload", str(tmp_path / "w.sql"),
                                      "--min-stats-days", "0", "--format", "json"])
    assert advice.exit_code == 0, advice.output
    drops = {d["index_name"] for d in json.loads(advice.stdout)["report"]["drop_candidates"]}
    assert drops and not drops & {"inventory_store_id_idx", "payment_store_id_idx", "tag_code_key"}


def test_every_fix_of_every_family_applies_on_a_cluster_of_its_own() -> None:
    """All of check's fixes, server-wide ones too (ALTER SYSTEM, roles), in order, on a cluster nobody else uses:
    each statement is accepted, except a template a person must fill in (`<…>`), which is never sent; afterwards no
    finding about the schema that was not there before, and no foreign key without an index."""
    import re

    from servers import postgres_cluster

    with postgres_cluster() as admin:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE fixtures")
        dsn = admin.rsplit("/", 1)[0] + "/fixtures"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(SCHEMA)  # type: ignore[arg-type]
            conn.execute("ANALYZE")
        engine = connect(resolve(dsn))
        assert isinstance(engine, PostgresEngine)
        try:
            before = engine.checks(JUDGE_NOW)
            families, sent = set(), 0
            for finding in before.findings:
                statements = split_script(finding.fix or "", "postgres")
                if re.search(r"<[a-z][^>]*>", " ".join(statements)):
                    continue  # a template: the placeholder is for a person
                try:
                    sent += len(_apply(dsn, finding.fix or ""))
                except psycopg.Error as exc:
                    pytest.fail(f"{finding.id} on {finding.object}: {exc}\n{finding.fix}")
                families.add(finding.family)
            assert sent >= 10 and {"schema", "indexes"} <= families and len(families) >= 4, families
            _settle(dsn)
            after = engine.checks(JUDGE_NOW)
        finally:
            engine.close()
    assert _findings(after) - _findings(before) == set()
    assert not after.by_id("schema.fk_without_index") and before.by_id("schema.fk_without_index")
