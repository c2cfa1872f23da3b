"""Index advisor against a real PostgreSQL with hypopg: known missing indexes are found and proven by the planner."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from dbsage.agent.cli.app import app
from dbsage.tools.advisor.access import analyze
from dbsage.tools.advisor.advisor import AdviseOptions, advise
from dbsage.tools.advisor.report import AdviceReport
from dbsage.tools.advisor.workload import WorkloadStatement, load_files, split_statements
from dbsage.tools.engines import connect
from dbsage.tools.engines.postgres.adapter import PostgresEngine
from dbsage.tools.targets import resolve

SHOP = """
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, tier text NOT NULL, region text,
  created_at timestamptz NOT NULL, deleted_at timestamptz);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id),
  status text NOT NULL, total numeric(12,2) NOT NULL, created_at timestamptz NOT NULL, note text);
INSERT INTO customers SELECT g, 'User' || g || '@Example.com', (ARRAY['free','pro','team','enterprise'])[1 + g % 4],
  (ARRAY['eu','us','apac'])[1 + g % 3], timestamptz '2024-01-01' + g * interval '7 minutes',
  CASE WHEN g % 50 = 0 THEN NULL ELSE timestamptz '2025-01-01' END FROM generate_series(1, 20000) g;
INSERT INTO orders SELECT g, 1 + (g * 7919) % 20000, (ARRAY['new','paid','shipped','cancelled'])[1 + g % 4],
  (g % 1000) + 0.5, timestamptz '2024-01-01' + ((g * 7919) % 120000) * interval '3 minutes', repeat('x', 60)
  FROM generate_series(1, 120000) g;
CREATE INDEX orders_status_idx ON orders (status);
CREATE INDEX orders_status_copy ON orders (status);
CREATE INDEX customers_region_idx ON customers (region);
"""

HISTORY = "SELECT id, total, created_at FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 10"
COUNT = "SELECT count(*) FROM orders WHERE customer_id = 4242"
BY_EMAIL = "SELECT id FROM customers WHERE lower(email) = lower($1)"
ACTIVE_TIER = "SELECT id, email FROM customers WHERE tier = $1 AND deleted_at IS NULL"
MONTH_TOTAL = "SELECT sum(total) FROM orders WHERE created_at >= '2024-03-01' AND created_at < '2024-04-01'"


# Reset this database's statistics only: other tests read the demo database's on the same cluster.
RESET_THIS_DATABASE = ("SELECT pg_stat_statements_reset(0, "
                       "(SELECT oid FROM pg_database WHERE datname = current_database()))")


def _vacuum(dsn: str) -> None:
    # VACUUM sets the visibility map: the planner then prices index-only scans (covering indexes) honestly. The test
    # cluster commits asynchronously, and VACUUM marks a page all-visible only once the inserts' commit is flushed.
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        conn.execute("VACUUM ANALYZE")


@pytest.fixture(scope="module")
def shop_dsn(make_pg_db) -> str:
    dsn = make_pg_db(SHOP)
    _vacuum(dsn)
    return dsn


@pytest.fixture(scope="module")
def shop(shop_dsn: str) -> PostgresEngine:
    engine = connect(resolve(shop_dsn))
    assert isinstance(engine, PostgresEngine)
    yield engine
    engine.close()


def run(engine: PostgresEngine, sqls: list[str], **options) -> AdviceReport:
    statements = [WorkloadStatement(id=f"q{n}", sql=sql) for n, sql in enumerate(sqls, start=1)]
    with engine.what_if() as backend:
        return advise(backend, engine.introspect(), statements, AdviseOptions(**options))


def by_table_keys(report: AdviceReport) -> dict[tuple[str, tuple[str, ...]], object]:
    return {(r.index.table, r.index.key_columns()): r for r in report.recommendations}


def test_finds_and_proves_the_missing_indexes(shop: PostgresEngine) -> None:
    report = run(shop, [HISTORY, COUNT, BY_EMAIL, ACTIVE_TIER, MONTH_TOTAL])
    assert report.verified and report.method == "hypopg"
    assert not report.skipped
    # every statement is helped, and by a lot: all are sequential scans today
    for statement in report.statements:
        assert statement.cost_after < statement.cost_before * 0.5, statement
    assert report.reduction > 0.8
    kinds = {r.index.table: [] for r in report.recommendations}
    for r in report.recommendations:
        kinds[r.index.table].append(r)
        assert r.create_sql.startswith("CREATE INDEX CONCURRENTLY")
        assert r.size_bytes and r.size_bytes > 0
        assert r.helps and all(s.cost_after < s.cost_before for s in r.helps)
    expression = [r for r in report.recommendations if any(k.expression for k in r.index.keys)]
    assert [k.sql.lower() for k in expression[0].index.keys] == ["lower(email)"]
    partial = [r for r in report.recommendations if r.index.where]
    assert partial and partial[0].index.where == "deleted_at IS NULL"
    assert [s.statement_id for s in partial[0].helps] == ["q4"]


def test_one_composite_index_serves_two_statements(shop: PostgresEngine) -> None:
    report = run(shop, [HISTORY, COUNT])
    orders = [r for r in report.recommendations if r.index.table == "orders"]
    assert len(orders) == 1, [r.create_sql for r in orders]
    assert orders[0].index.keys[0].sql == "customer_id"
    assert {s.statement_id for s in orders[0].helps} == {"q1", "q2"}


def test_covering_index_for_an_index_only_scan(shop: PostgresEngine) -> None:
    report = run(shop, [MONTH_TOTAL])
    [rec] = report.recommendations
    assert rec.index.key_columns() == ("created_at",)
    assert rec.index.include == ("total",)
    assert "INCLUDE (total)" in rec.create_sql


def test_budget_is_respected(shop: PostgresEngine) -> None:
    unlimited = run(shop, [HISTORY, BY_EMAIL, ACTIVE_TIER, MONTH_TOTAL])
    sizes = sorted(r.size_bytes or 0 for r in unlimited.recommendations)
    budget = sizes[0] + sizes[1]  # room for the two smallest only
    tight = run(shop, [HISTORY, BY_EMAIL, ACTIVE_TIER, MONTH_TOTAL], budget_bytes=budget)
    assert sum(r.size_bytes or 0 for r in tight.recommendations) <= budget
    assert 0 < len(tight.recommendations) < len(unlimited.recommendations)
    assert unlimited.cost_after < tight.cost_after < tight.cost_before
    assert len(run(shop, [HISTORY, BY_EMAIL, ACTIVE_TIER, MONTH_TOTAL], max_indexes=1).recommendations) == 1


def test_drop_candidates_never_touch_constraints(shop: PostgresEngine) -> None:
    report = run(shop, [HISTORY], min_stats_age_days=0)  # the counters of a database built seconds ago
    drops = {d.index_name: d for d in report.drop_candidates}
    # of two copies the one named <table>_<columns>_idx stays, whatever the counters say (deterministic)
    assert drops["orders_status_copy"].kind == "duplicate" and drops["orders_status_copy"].kept == "orders_status_idx"
    assert "orders_status_idx" not in drops
    assert drops["customers_region_idx"].kind == "unused"
    young = run(shop, [HISTORY])  # the default: 7 days of counters before anything is called unused
    assert not any(d.kind == "unused" for d in young.drop_candidates)
    assert any("too early to tell" in note and "customers_region_idx" in note for note in young.notes)
    assert not any(name.endswith("_pkey") for name in drops)


def test_writing_statement_in_a_workload_file_is_refused(shop: PostgresEngine, tmp_path: Path) -> None:
    (tmp_path / "app.sql").write_text(f"{HISTORY};\nUPDATE orders SET status = 'paid' WHERE id = 1;\n"
                                      "SELECT pg_sleep(10);\n")
    statements = load_files(tmp_path)
    assert [s.id for s in statements] == ["app.sql#1", "app.sql#2", "app.sql#3"]
    with shop.what_if() as backend:
        report = advise(backend, shop.introspect(), statements, AdviseOptions())
    refused = {s.statement_id: s for s in report.skipped}
    assert refused["app.sql#2"].refused and "UPDATE" in refused["app.sql#2"].reason
    assert refused["app.sql#3"].refused
    assert [s.statement_id for s in report.statements] == ["app.sql#1"]
    assert report.recommendations


def test_parameterised_statements_use_generic_plans(shop: PostgresEngine) -> None:
    report = run(shop, ["SELECT * FROM orders WHERE customer_id = $1 AND status IN ($2,$3) AND total > $4"])
    assert "generic plans" in report.parameters
    assert report.statements[0].cost_after < report.statements[0].cost_before
    # a statement the planner cannot plan is skipped with PostgreSQL's reason, not a crash
    odd = run(shop, ["SELECT nosuch FROM orders WHERE id = $1"])
    assert odd.skipped and 'column "nosuch" does not exist' in odd.skipped[0].reason


def test_statistics_workload_and_cli(shop_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with psycopg.connect(shop_dsn, autocommit=True) as conn:
        conn.execute(RESET_THIS_DATABASE)
        for n in range(1, 40):
            conn.execute("SELECT id, total FROM orders WHERE customer_id = %s ORDER BY created_at DESC LIMIT 10", (n,))
    monkeypatch.setenv("DBSAGE_STATE_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["advise", "--db", shop_dsn, "--format", "json", "--propose"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    report = document["report"]
    assert report["workload_source"] == "pg_stat_statements"
    history = [s for s in report["statements"] if "customer_id" in s["preview"]]
    assert history and history[0]["weight"] >= 39  # weighted by calls
    assert any(r["index"]["keys"][0]["sql"] == "customer_id" for r in report["recommendations"])
    assert len(document["proposals"]) == len(report["recommendations"])
    table = CliRunner().invoke(app, ["advise", "--db", shop_dsn, "--max-seconds", "30"])
    assert table.exit_code == 0 and "CREATE INDEX CONCURRENTLY" in table.stdout and "workload cost" in table.stdout


def test_statistics_workload_without_the_extension_gives_the_steps(make_pg_db) -> None:
    dsn = make_pg_db(SHOP, extensions=("hypopg",))
    result = CliRunner().invoke(app, ["advise", "--db", dsn])
    assert result.exit_code == 1
    assert "pg_stat_statements is not installed in this database" in result.stderr
    assert "CREATE EXTENSION pg_stat_statements;" in result.stderr and "--workload FILE|DIR" in result.stderr


def test_without_hypopg_falls_back_to_unverified_advice(make_pg_db) -> None:
    dsn = make_pg_db(SHOP, extensions=("pg_stat_statements",))
    engine = connect(resolve(dsn))
    assert isinstance(engine, PostgresEngine)
    try:
        report = run(engine, [HISTORY, COUNT])
    finally:
        engine.close()
    assert not report.verified and report.method == "heuristic (unverified)"
    assert "UNVERIFIED" in report.notes[0] and "CREATE EXTENSION hypopg" in report.notes[0]
    assert report.recommendations[0].index.keys[0].sql == "customer_id"
    assert report.cost_after == report.cost_before  # no benefit is claimed without the planner


@pytest.mark.parametrize(("sql", "expected"), [
    (HISTORY, {"equality": ["customer_id"], "order": ["created_at"]}),
    ("SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.tier = $1",
     {"joins": ["customer_id"]}),
    ("SELECT status, count(*) FROM orders WHERE created_at BETWEEN $1 AND $2 GROUP BY status",
     {"ranges": ["created_at"], "group": ["status"]}),
    ("SELECT * FROM customers WHERE deleted_at IS NULL AND upper(region) = 'EU'",
     {"constants": ["deleted_at IS NULL"], "equality": ["UPPER(region)"]}),
])
def test_access_analysis(sql: str, expected: dict[str, list[str]]) -> None:
    schema = {"public": {
        "orders": {c: "text" for c in ("id", "customer_id", "status", "total", "created_at", "note")},
        "customers": {c: "text" for c in ("id", "email", "tier", "region", "created_at", "deleted_at")},
    }}
    accesses = analyze(sql, schema)
    first = accesses[0]
    for bucket, keys in expected.items():
        values = getattr(first, bucket)
        assert [getattr(v, "sql", v) for v in values] == keys, bucket


def test_split_statements_respects_quotes() -> None:
    assert split_statements("SELECT ';' AS a; -- note\nSELECT $$x;y$$;\n/* only a comment */") == [
        "SELECT ';' AS a", "-- note\nSELECT $$x;y$$"]


def test_demo_database_planted_indexes(pg_demo_dsn: str) -> None:
    """On the demo database: the planted composite index and FK index are found; the duplicate and unused go."""
    from rich.console import Console

    from dbsage.agent.cli.demo import advice_section
    from dbsage.tools.demo.problems import problem

    engine = connect(resolve(pg_demo_dsn))
    assert isinstance(engine, PostgresEngine)
    console = Console(record=True, width=200)
    try:
        part = advice_section(engine, console, "table")
    finally:
        engine.close()
    report = AdviceReport.model_validate(part["report"])
    assert report.verified and report.reduction > 0.3
    keys = {(r.index.table, r.index.key_columns()[:2]) for r in report.recommendations}
    assert ("orders", ("status", "created_at")) in keys, keys  # slow_query_composite_index
    assert any(table == "order_items" and cols[0] == "product_id" for table, cols in keys)  # fk_without_index
    drops = {d.index_name: d.kind for d in report.drop_candidates}
    duplicate_pair = {name.removeprefix("public.") for name in problem("duplicate_index").objects}
    assert len(duplicate_pair & drops.keys()) == 1 and drops[(duplicate_pair & drops.keys()).pop()] == "duplicate"
    assert drops.get("orders_total_cents_idx") == "unused"
    assert "CREATE INDEX CONCURRENTLY" in console.export_text()


def test_time_limit_keeps_the_best_set_so_far(shop: PostgresEngine) -> None:
    report = run(shop, [HISTORY, COUNT, BY_EMAIL, ACTIVE_TIER, MONTH_TOTAL], max_seconds=0.001)
    assert report.timed_out
    assert any("limit" in note for note in report.notes)
    assert report.cost_after <= report.cost_before  # whatever was chosen is costed honestly
    assert sum(s.weight * s.cost_after for s in report.statements) == pytest.approx(report.cost_after)


def test_weight_by_total_time(shop_dsn: str) -> None:
    with psycopg.connect(shop_dsn, autocommit=True) as conn:
        conn.execute(RESET_THIS_DATABASE)
        for n in range(1, 6):
            conn.execute("SELECT id, total FROM orders WHERE customer_id = %s ORDER BY created_at DESC LIMIT 10", (n,))
    result = CliRunner().invoke(app, ["advise", "--db", shop_dsn, "--weight-by", "time", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)["report"]
    assert report["weight_by"] == "time"
    history = next(s for s in report["statements"] if "customer_id" in s["preview"])
    # weight × planner cost = the statement's total execution time in ms (a few ms here, not 5 calls × cost)
    assert 0 < history["weight"] * history["cost_before"] < 60_000
    assert history["weight"] != 5


def test_statement_calling_a_shadowed_function_is_refused(make_pg_db) -> None:
    """The what-if path enters the same session layer as guarded queries: the planner folds immutable functions."""
    dsn = make_pg_db("CREATE TABLE people (id int PRIMARY KEY, email text);"
                     "CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT $1';")
    engine = connect(resolve(dsn))
    assert isinstance(engine, PostgresEngine)
    try:
        report = run(engine, ["SELECT id FROM people WHERE lower(email) = 'a@b.c'", "SELECT id FROM people"])
    finally:
        engine.close()
    [refused] = report.skipped
    assert refused.statement_id == "q1" and refused.refused and "lower" in refused.reason
    assert [s.statement_id for s in report.statements] == ["q2"]
