"""Every draft intent applied to real servers: up runs and does what it says, down restores the schema exactly (a
catalog snapshot before and after), and the draft lints clean under dbsage's own linter.

PostgreSQL (the throwaway cluster) for every intent, live (--db) and, for a few, from options alone; MariaDB for the
intents it has an online path for. Column order is not compared: no engine can put a re-added column back in place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from conftest import mysql_admin_connection

from dbsage.tools.engines import connect
from dbsage.tools.migrations.draft import DraftRequest, draft_migration
from dbsage.tools.migrations.draft.model import MigrationDraft, Step, transaction_groups
from dbsage.tools.targets import resolve

PG_SETUP = """
CREATE TABLE customers (id bigserial PRIMARY KEY, email text);
CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  customer_id bigint,
  note text NOT NULL DEFAULT 'none',
  amount integer NOT NULL DEFAULT 0,
  code varchar(20),
  legacy integer,
  reference text
);
CREATE INDEX orders_legacy_idx ON orders (legacy);
CREATE TABLE events (id bigint NOT NULL, at date NOT NULL, kind text) PARTITION BY RANGE (at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO customers (email) SELECT 'c' || g || '@x' FROM generate_series(1, 50) g;
INSERT INTO orders (customer_id, note, amount, code, legacy, reference)
  SELECT 1 + g % 50, 'n' || g, g, 'c' || g, g, 'r' || g FROM generate_series(1, 2500) g;
INSERT INTO events SELECT g, date '2025-06-01' + (g % 400), 'k' FROM generate_series(1, 300) g;
"""

PG_CASES: dict[str, dict[str, Any]] = {
    "add-index": dict(intent="add-index", table="orders", columns=["customer_id", "amount"]),
    "add-index-partitioned": dict(intent="add-index", table="events", columns=["kind"]),
    "add-index-partial-unique": dict(intent="add-index", table="orders", columns=["reference"], unique=True,
                                     where="reference IS NOT NULL"),
    "add-unique": dict(intent="add-unique", table="orders", columns=["code"]),
    "add-column-default-not-null": dict(intent="add-column", table="orders", columns=["status"], type="text",
                                        default="'new'", not_null=True),
    "add-column-volatile-default": dict(intent="add-column", table="orders", columns=["token"], type="uuid",
                                        default="gen_random_uuid()", not_null=True),
    "add-column-nullable": dict(intent="add-column", table="orders", columns=["shipped_at"], type="timestamptz"),
    "add-foreign-key": dict(intent="add-foreign-key", table="orders", columns=["customer_id"],
                            references="customers(id)"),
    "add-check": dict(intent="add-check", table="orders", columns=["amount"], check="amount >= 0"),
    "set-not-null": dict(intent="set-not-null", table="orders", columns=["code"]),
    "change-type-rewrite": dict(intent="change-type", table="orders", columns=["amount"], type="bigint"),
    "change-type-in-place": dict(intent="change-type", table="orders", columns=["code"], type="varchar(80)"),
    "rename-column": dict(intent="rename-column", table="orders", columns=["note"], new_name="remark"),
    "rename-table": dict(intent="rename-table", table="orders", new_name="purchases"),
    "drop-column": dict(intent="drop-column", table="orders", columns=["legacy"]),
    "drop-column-not-null": dict(intent="drop-column", table="orders", columns=["amount"]),
    "backfill": dict(intent="backfill", table="orders", columns=["legacy"], set_expr="0", where="legacy > 2000",
                     batch_size=100),
}

PG_CATALOG_EXTRAS = """
SELECT 'trigger ' || tgname AS what FROM pg_trigger WHERE NOT tgisinternal
UNION ALL SELECT 'function ' || proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname = 'public' AND p.prokind = 'f'
  AND proname NOT LIKE 'pg_stat_statements%' AND proname NOT LIKE 'hypopg%'
UNION ALL SELECT 'view ' || viewname || ': ' || definition FROM pg_views WHERE schemaname = 'public'
UNION ALL SELECT 'invalid index ' || indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid
ORDER BY 1
"""


def snapshot(dsn: str, extras_sql: str | None = PG_CATALOG_EXTRAS) -> dict[str, Any]:
    """The schema as dbsage's own introspect() sees it (sizes and counters left out), plus triggers, functions and
    views from the catalog; columns keyed by name, since a re-added column lands at the end."""
    engine = connect(resolve(dsn))
    try:
        tables = {}
        for table in engine.introspect().tables:
            tables[table.qualified_name] = {
                "kind": table.kind,
                "columns": {c.name: (c.type, c.nullable, c.default) for c in table.columns},
                "constraints": sorted((c.name, c.kind, c.definition or "") for c in table.constraints),
                "indexes": sorted((i.name, i.definition or "", i.valid) for i in table.indexes),
            }
    finally:
        engine.close()
    extras: list[str] = []
    if extras_sql:
        with psycopg.connect(dsn) as conn:
            extras = [row[0] for row in conn.execute(extras_sql)]  # type: ignore[arg-type]
    return {"tables": tables, "extras": extras}


def apply_pg(dsn: str, steps: list[Step]) -> None:
    """Run steps as a migration tool would: each transaction group in one transaction, the others in autocommit."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for group in transaction_groups(steps):
            if group[0].transactional:
                with conn.transaction():
                    for step in group:
                        conn.execute(step.sql)  # type: ignore[arg-type]
            else:
                conn.execute(group[0].sql)  # type: ignore[arg-type]


def draft_live(dsn: str, request: dict[str, Any]) -> MigrationDraft:
    engine = connect(resolve(dsn))
    try:
        return draft_migration(DraftRequest(**request), engine=engine)
    finally:
        engine.close()


def assert_lints_clean(draft: MigrationDraft) -> None:
    from dbsage.tools.migrations.draft.verdict import lint_verdict

    verdict = lint_verdict(draft)
    problems = [f"{f['script']} {f['rule']} ({f['severity']}) line {f['line']}: {f['reason']}"
                for f in verdict["findings"] if f["severity"] in ("warning", "error")]
    assert verdict["clean"], f"{draft.intent} does not lint clean:\n" + "\n".join(problems)


@pytest.mark.parametrize("case", list(PG_CASES))
def test_postgres_up_then_down_restores_the_schema(case: str, make_pg_db: Callable[..., str]) -> None:
    dsn = make_pg_db(PG_SETUP)
    before = snapshot(dsn)
    draft = draft_live(dsn, PG_CASES[case])
    assert draft.checked_live and draft.server.flavor == "postgresql"
    apply_pg(dsn, draft.up)
    after_up = snapshot(dsn)
    if draft.intent != "backfill":
        assert after_up != before, f"{case}: up changed nothing"
    check_effect(case, dsn, after_up)
    apply_pg(dsn, draft.down)
    assert snapshot(dsn) == before, f"{case}: down did not restore the schema"


def check_effect(case: str, dsn: str, after: dict[str, Any]) -> None:
    """What each intent promises, read back from the server."""
    orders = after["tables"].get("public.orders", {})
    with psycopg.connect(dsn) as conn:
        def one(sql: str) -> Any:
            row = conn.execute(sql).fetchone()  # type: ignore[arg-type]
            return row[0] if row else None

        if case == "add-index-partitioned":
            events = after["tables"]["public.events"]
            assert [i for i in events["indexes"] if i[0] == "events_kind_idx" and i[2]], events["indexes"]
            assert one("SELECT count(*) FROM pg_inherits WHERE inhparent = 'events_kind_idx'::regclass") == 2
        elif case == "add-column-volatile-default":
            assert one("SELECT count(DISTINCT token) FROM orders") == 2500
            assert orders["columns"]["token"][1] is False
        elif case == "add-column-default-not-null":
            assert orders["columns"]["status"][1] is False and one("SELECT count(*) FROM orders WHERE status = 'new'")
        elif case in ("add-foreign-key", "add-check"):
            assert one("SELECT bool_and(convalidated) FROM pg_constraint WHERE conrelid = 'orders'::regclass "
                       "AND contype IN ('f', 'c')") is True
        elif case == "set-not-null":
            assert orders["columns"]["code"][1] is False
        elif case == "change-type-rewrite":
            assert orders["columns"]["amount"][:2] == ("bigint", False)
            assert one("SELECT sum(amount) FROM orders") == sum(range(1, 2501))
        elif case == "rename-column":
            assert "note" not in orders["columns"] and orders["columns"]["remark"][1] is False
            assert one("SELECT count(*) FROM orders WHERE remark LIKE 'n%'") == 2500
        elif case == "rename-table":
            assert "public.purchases" in after["tables"] and "public.orders" not in after["tables"]
        elif case == "backfill":
            assert one("SELECT count(*) FROM orders WHERE legacy = 0") == 500


def test_rename_column_expand_phase_keeps_old_and_new_code_working(make_pg_db: Callable[..., str]) -> None:
    """Between expand and contract both names are live: writes through either show up in the other."""
    dsn = make_pg_db(PG_SETUP)
    draft = draft_live(dsn, PG_CASES["rename-column"])
    expand = draft.phases()[0]
    assert expand.name == "expand" and draft.app_steps
    apply_pg(dsn, expand.up)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO orders (customer_id, note) VALUES (1, 'old code')")
        conn.execute("INSERT INTO orders (customer_id, remark) VALUES (1, 'new code')")
        conn.execute("UPDATE orders SET remark = 'moved' WHERE id = 1")
        rows = conn.execute("SELECT note, remark FROM orders WHERE id = 1 OR note LIKE '% code' ORDER BY id").fetchall()
    assert rows == [("moved", "moved"), ("old code", "old code"), ("new code", "new code")]


@pytest.mark.parametrize("case", ["add-index", "add-foreign-key", "set-not-null", "add-column-default-not-null"])
@pytest.mark.parametrize("version", ["11", "15"])
def test_postgres_drafts_lint_clean(case: str, version: str) -> None:
    """Drafts from options alone (no --db) for the server version given."""
    request = dict(PG_CASES[case])
    draft = draft_migration(DraftRequest(**request), dialect="postgres", server_version=version)
    assert_lints_clean(draft)


@pytest.mark.parametrize("case", list(PG_CASES))
def test_live_postgres_drafts_lint_clean(case: str, make_pg_db: Callable[..., str]) -> None:
    dsn = make_pg_db(PG_SETUP)
    assert_lints_clean(draft_live(dsn, PG_CASES[case]))


# -- MariaDB ---------------------------------------------------------------------------------------------------------

MYSQL_SETUP = """
CREATE TABLE customers (id bigint PRIMARY KEY AUTO_INCREMENT, email varchar(100));
CREATE TABLE orders (id bigint PRIMARY KEY AUTO_INCREMENT, customer_id bigint, note varchar(40) NOT NULL DEFAULT 'none',
  amount int NOT NULL DEFAULT 0, code varchar(20), legacy int);
INSERT INTO customers (email) SELECT concat('c', seq, '@x') FROM seq_1_to_50;
INSERT INTO orders (customer_id, note, amount, code, legacy)
  SELECT 1 + seq % 50, concat('n', seq), seq, concat('c', seq), seq FROM seq_1_to_2000;
"""

MYSQL_CASES: dict[str, dict[str, Any]] = {
    "add-index": dict(intent="add-index", table="orders", columns=["customer_id"]),
    "add-unique": dict(intent="add-unique", table="orders", columns=["code"]),
    "add-column": dict(intent="add-column", table="orders", columns=["status"], type="varchar(10)",
                       default="'new'", not_null=True),
    "add-foreign-key": dict(intent="add-foreign-key", table="orders", columns=["customer_id"],
                            references="customers(id)"),
    "add-check": dict(intent="add-check", table="orders", columns=["amount"], check="amount >= 0"),
    "set-not-null": dict(intent="set-not-null", table="orders", columns=["code"]),
    "change-type": dict(intent="change-type", table="orders", columns=["code"], type="varchar(40)"),
    "rename-column": dict(intent="rename-column", table="orders", columns=["note"], new_name="remark"),
    "rename-table": dict(intent="rename-table", table="orders", new_name="purchases"),
    "drop-column": dict(intent="drop-column", table="orders", columns=["legacy"]),
    "backfill": dict(intent="backfill", table="orders", columns=["legacy"], set_expr="0", where="legacy > 1500",
                     batch_size=100),
}

MYSQL_EXTRAS = ("SELECT concat('trigger ', TRIGGER_NAME, ': ', ACTION_STATEMENT) FROM information_schema.TRIGGERS "
                "WHERE TRIGGER_SCHEMA = DATABASE() UNION ALL SELECT concat('routine ', ROUTINE_NAME) FROM "
                "information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY 1")


def mysql_snapshot(dsn: str) -> dict[str, Any]:
    shot = snapshot(dsn, extras_sql=None)
    conn = mysql_admin_connection(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(MYSQL_EXTRAS)
            shot["extras"] = [row[0] for row in cur.fetchall()]
    finally:
        conn.close()
    return shot


def apply_mysql(dsn: str, steps: list[Step]) -> None:
    conn = mysql_admin_connection(dsn)
    try:
        with conn.cursor() as cur:
            for step in steps:
                cur.execute(step.sql)
    finally:
        conn.close()


@pytest.mark.parametrize("case", list(MYSQL_CASES))
def test_mariadb_up_then_down_restores_the_schema(case: str, make_mysql_db: Callable[..., str]) -> None:
    dsn = make_mysql_db(MYSQL_SETUP)
    before = mysql_snapshot(dsn)
    draft = draft_live(dsn, MYSQL_CASES[case])
    assert draft.server.flavor == "mariadb" and draft.checked_live
    apply_mysql(dsn, draft.up)
    after_up = mysql_snapshot(dsn)
    if draft.intent != "backfill":
        assert after_up != before, f"{case}: up changed nothing"
    else:
        conn = mysql_admin_connection(dsn)
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM orders WHERE legacy = 0")
            assert cur.fetchone()[0] == 500
        conn.close()
    apply_mysql(dsn, draft.down)
    assert mysql_snapshot(dsn) == before, f"{case}: down did not restore the schema"


# The drafts run on MariaDB 10.11 (test above); the linter agrees, judging each MODIFY against the column types the
# draft was made against (and the columns its up added).
@pytest.mark.parametrize("case", [c for c in MYSQL_CASES if c != "add-check"])
def test_mariadb_drafts_lint_clean(case: str, make_mysql_db: Callable[..., str]) -> None:
    """add-check is left out on purpose: MySQL/MariaDB can only add a CHECK with a table copy, and the draft says so
    (the linter is right to flag it)."""
    assert_lints_clean(draft_live(make_mysql_db(MYSQL_SETUP), MYSQL_CASES[case]))
