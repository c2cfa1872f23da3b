"""dbsage explain against a real PostgreSQL: each problem is created for real and must produce its exact insight,
tied to the right node; healthy queries must produce none."""

from __future__ import annotations

import json

import psycopg
import pytest
from typer.testing import CliRunner

from dbsage.agent.cli.app import app
from dbsage.tools.engines import connect
from dbsage.tools.engines.base import SessionLimits
from dbsage.tools.engines.postgres.adapter import PostgresEngine
from dbsage.tools.errors import DatabaseError, GuardRefusal, UsageError
from dbsage.tools.explain import parse_plan, summarize
from dbsage.tools.targets import resolve

SHOP = """
CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL, country text);
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint REFERENCES customers,
                     status text NOT NULL, total numeric NOT NULL, a int, b int);
INSERT INTO customers (email, country) SELECT 'c' || g || '@x', CASE WHEN g % 10 = 0 THEN 'FR' ELSE 'US' END
  FROM generate_series(1, 10000) g;
INSERT INTO orders (customer_id, status, total, a, b)
  SELECT 1 + g % 10000, CASE WHEN g % 100 = 0 THEN 'refunded' ELSE 'paid' END, g % 500, g % 100, g % 100
  FROM generate_series(1, 100000) g;
CREATE INDEX customers_email_idx ON customers (email);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
ANALYZE;
"""

# Settings that make the planner or executor show the remaining problems for real.
TIGHT = """
CREATE TABLE wide (id int PRIMARY KEY, g int NOT NULL, pad text NOT NULL);
INSERT INTO wide SELECT i, (i * 7919) % 1000, repeat('x', 200) FROM generate_series(1, 100000) i;
CREATE INDEX wide_g_idx ON wide (g);
CREATE TABLE small (id int, k int);
INSERT INTO small SELECT g, g FROM generate_series(1, 3000) g;
CREATE TABLE events (id int, kind int);  -- no index at all: a sequential scan is the only path
INSERT INTO events SELECT g, g % 7 FROM generate_series(1, 150000) g;
ANALYZE;
"""
TIGHT_SETTINGS = {"work_mem": "64kB", "enable_seqscan": "off", "enable_hashjoin": "off", "enable_mergejoin": "off",
                  "max_parallel_workers_per_gather": "0"}


@pytest.fixture(scope="module")
def shop(make_pg_db) -> PostgresEngine:
    engine = connect(resolve(make_pg_db(SHOP)))
    assert isinstance(engine, PostgresEngine)
    yield engine
    engine.close()


def _database_with_settings(make_pg_db, setup: str, settings: dict[str, str]) -> PostgresEngine:
    dsn = make_pg_db(setup)
    with psycopg.connect(dsn, autocommit=True) as conn:
        name = conn.execute("SELECT current_database()").fetchone()[0]
        for key, value in settings.items():
            conn.execute(f"ALTER DATABASE {name} SET {key} = '{value}'")
    engine = connect(resolve(dsn))
    assert isinstance(engine, PostgresEngine)
    return engine


@pytest.fixture(scope="module")
def tight(make_pg_db) -> PostgresEngine:
    engine = _database_with_settings(make_pg_db, TIGHT, TIGHT_SETTINGS)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def hashy(make_pg_db) -> PostgresEngine:
    setup = """CREATE TABLE a (id int, v int); INSERT INTO a SELECT g, g FROM generate_series(1, 60000) g;
               CREATE TABLE b (id int, v int); INSERT INTO b SELECT g, g FROM generate_series(1, 60000) g; ANALYZE;"""
    engine = _database_with_settings(make_pg_db, setup, {"work_mem": "64kB", "enable_sort": "off",
                                                         "enable_mergejoin": "off",
                                                         "max_parallel_workers_per_gather": "0"})
    yield engine
    engine.close()


# (case, database, sql, analyze, rule, node label, text the fix must contain)
PROBLEMS = [
    ("selective seq scan", "shop", "SELECT * FROM orders WHERE status = 'refunded'", True,
     "seq_scan_selective", "Seq Scan on orders", "CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);"),
    ("selective seq scan, plan only", "shop", "SELECT * FROM orders WHERE status = 'refunded'", False,
     "seq_scan_selective", "Seq Scan on orders", "ON orders (status)"),
    ("correlated columns", "shop", "SELECT * FROM orders WHERE a = 1 AND b = 1", True,
     "row_misestimate", "Seq Scan on orders", "CREATE STATISTICS orders_a_b_stats (dependencies, mcv) ON a, b"),
    ("index then filter", "shop",
     "SELECT * FROM orders WHERE customer_id BETWEEN 100 AND 2000 AND status = 'refunded'", True,
     "index_filter_removes_most", "Bitmap Heap Scan on orders", "ON orders (status, customer_id)"),
    ("count as existence", "shop", "SELECT count(*) > 0 FROM orders WHERE customer_id = 5", False,
     "count_as_existence", "Aggregate", "SELECT EXISTS (SELECT 1 FROM orders WHERE customer_id = 5);"),
    ("offset pagination", "shop", "SELECT id FROM orders ORDER BY id LIMIT 20 OFFSET 5000", False,
     "offset_pagination", "Limit", "WHERE (id) > (<last seen values>) ORDER BY id"),
    ("function on indexed column", "shop", "SELECT * FROM customers WHERE lower(email) = 'c5@x'", False,
     "function_on_indexed_column", "Seq Scan on customers", "CREATE INDEX CONCURRENTLY ON customers ((LOWER(email)))"),
    ("implicit cast", "shop", "SELECT * FROM orders WHERE customer_id = 42.0", False,
     "implicit_cast", "Seq Scan on orders", "customer_id = CAST(<value> AS bigint)"),
    ("NOT IN nullable", "shop", "SELECT * FROM customers c WHERE c.id NOT IN (SELECT customer_id FROM orders)", False,
     "not_in_nullable_subquery", "Seq Scan on orders", "NOT EXISTS (SELECT 1 FROM orders AS sub WHERE "
     "sub.customer_id = c.id)"),
    ("sort spill", "tight", "SELECT * FROM wide ORDER BY (id * 31) % 1000, id", True,
     "spill_to_disk", "Sort", "SET work_mem = '"),
    ("hash join spill", "hashy", "SELECT * FROM a JOIN b USING (id)", True,
     "spill_to_disk", "Hash", "SET work_mem = '"),
    ("hash aggregate spill", "hashy", "SELECT id, count(*) FROM a GROUP BY id", True,
     "spill_to_disk", "HashAggregate", "SET work_mem = '"),
    ("lossy bitmap", "tight", "SELECT * FROM wide WHERE g < 100", True,
     "lossy_bitmap", "Bitmap Heap Scan on wide", "SET work_mem = '"),
    ("nested loop", "tight", "SELECT * FROM small a JOIN small b ON a.k = b.k + 0 WHERE a.id < 2000", True,
     "nested_loop_many_iterations", "Nested Loop", "CREATE INDEX CONCURRENTLY small_k_idx ON small (k);"),
    ("no parallelism", "tight", "SELECT count(*) FROM events WHERE kind = 3", True,
     "missing_parallelism", "Seq Scan on events", "SET max_parallel_workers_per_gather = 2;"),
]


@pytest.mark.parametrize(("case", "database", "sql", "run", "rule", "node", "fix"), PROBLEMS,
                         ids=[p[0] for p in PROBLEMS])
def test_problem_gives_its_insight(request, case, database, sql, run, rule, node, fix) -> None:
    engine = request.getfixturevalue(database)
    result = engine.explain(sql, analyze=run)
    found = [i for i in result.insights if i.rule == rule]
    assert found, f"{case}: no {rule} in {[i.rule for i in result.insights]}"
    insight = found[0]
    assert insight.node == node
    assert result.plan.node(insight.node_id).label == node
    assert fix in (insight.fix or ""), insight.fix
    assert insight.evidence, "no insight without the numbers it rests on"
    assert result.analyzed is run


HEALTHY = [
    "SELECT * FROM customers WHERE id = 42",
    "SELECT * FROM orders WHERE customer_id = 7",
    "SELECT EXISTS (SELECT 1 FROM orders WHERE customer_id = 7)",
    "SELECT id, total FROM orders WHERE customer_id = 7 AND id > 1000 ORDER BY id LIMIT 10",
    "SELECT * FROM customers WHERE email = 'c5@x'",
    "SELECT c.email, count(*) FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id = 5 GROUP BY c.email",
    "SELECT * FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)",
    "SELECT status, count(*) FROM orders GROUP BY status",
]


@pytest.mark.parametrize("run", [False, True], ids=["plan", "analyze"])
@pytest.mark.parametrize("sql", HEALTHY)
def test_healthy_query_has_no_insight(shop: PostgresEngine, sql: str, run: bool) -> None:
    result = shop.explain(sql, analyze=run)
    assert result.insights == [], [(i.rule, i.detail) for i in result.insights]


def test_plan_figures(shop: PostgresEngine) -> None:
    result = shop.explain("SELECT c.email, o.total FROM customers c JOIN orders o ON o.customer_id = c.id "
                          "WHERE o.status = 'refunded'", analyze=True)
    nodes = result.plan.nodes()
    assert abs(sum(n.share for n in nodes) - 1.0) < 1e-6
    hot = [n for n in nodes if n.hot]
    assert hot[0] is result.plan.root and len(hot) >= 2
    scan = next(n for n in nodes if n.relation == "orders")
    assert scan.actual_rows is not None and scan.actual_loops and scan.buffers and scan.buffers.total > 0
    assert scan.rows_seen == pytest.approx(1000)
    assert result.plan.execution_ms and result.plan.execution_ms > 0


def test_analyze_runs_only_reads_and_rolls_back(shop: PostgresEngine, pg_admin_dsn: str) -> None:
    with pytest.raises(GuardRefusal):
        shop.explain("DELETE FROM orders", analyze=True)
    with pytest.raises(UsageError):
        shop.explain("EXPLAIN SELECT 1")
    with pytest.raises(GuardRefusal):
        shop.explain("SELECT 1; DELETE FROM orders")
    plan_only = shop.explain("UPDATE orders SET total = 0 WHERE id = 1")  # plan only: nothing runs
    assert plan_only.plan.root.node_type == "ModifyTable" and not plan_only.analyzed
    rows = shop.catalog_query("SELECT count(*) AS n, min(total) AS low FROM orders WHERE id = 1")
    assert rows[0]["n"] == 1 and rows[0]["low"] != 0


def test_analyze_is_bounded_by_the_statement_timeout(shop: PostgresEngine) -> None:
    engine = connect(shop.target, SessionLimits(statement_timeout_ms=300))
    try:
        with pytest.raises(DatabaseError, match="statement timeout"):
            engine.explain("SELECT count(*) FROM generate_series(1, 50000000) a", analyze=True)
    finally:
        engine.close()


def test_summary_is_bounded_for_a_large_plan(shop: PostgresEngine) -> None:
    union = " UNION ALL ".join(f"SELECT id FROM orders WHERE customer_id = {n} AND status = 'refunded'"
                               for n in range(80))
    result = shop.explain(union, analyze=True)
    full = result.plan.model_dump_json()
    compact = summarize(result).model_dump_json()
    assert len(result.plan.nodes()) > 150
    assert len(compact) < 6_000 < len(full)
    summary = summarize(result)
    assert len(summary.top_nodes) == 5 and summary.node_count == len(result.plan.nodes())


def test_parse_plan_rejects_garbage() -> None:
    with pytest.raises(DatabaseError):
        parse_plan({"not": "a plan"})


def test_cli_json_and_refusal(shop: PostgresEngine) -> None:
    dsn = shop.target.dsn
    run = CliRunner().invoke(app, ["explain", "SELECT * FROM orders WHERE status = 'refunded'", "--db", dsn,
                                   "--analyze", "--format", "json"])
    assert run.exit_code == 0, run.output
    document = json.loads(run.stdout)
    assert (document["dbsage"], document["command"], document["analyzed"]) == (1, "explain", True)
    assert document["plan"] is None and document["summary"]["insights"][0]["rule"] == "seq_scan_selective"
    full = json.loads(CliRunner().invoke(app, ["explain", "SELECT 1", "--db", dsn, "-f", "json", "--full"]).stdout)
    assert full["plan"]["root"]["node_type"] == "Result"
    refused = CliRunner().invoke(app, ["explain", "DELETE FROM orders", "--db", dsn, "--analyze"])
    assert refused.exit_code == 3 and "refused:" in refused.stderr
    table = CliRunner().invoke(app, ["explain", "SELECT count(*) > 0 FROM orders WHERE customer_id = 5", "--db", dsn])
    assert table.exit_code == 0 and "COUNT(*) used to test whether a row exists" in table.stdout


# -- the demo database: explain flags the planted query problems ------------------------------------------------------

DEMO_QUERIES = [
    ("stale_pending_orders", "seq_scan_selective", "(status, created_at)"),
    ("has_pending_order", "count_as_existence", "SELECT EXISTS (SELECT 1 FROM orders WHERE user_id = 4242 AND "
                                                "status = 'pending');"),
    ("feed_page", "offset_pagination", "ORDER BY published_at DESC LIMIT <page size>"),
    ("product_buyers", "seq_scan_selective", "order_items_product_id_idx ON order_items (product_id)"),
]


@pytest.mark.parametrize(("name", "rule", "fix"), DEMO_QUERIES, ids=[q[0] for q in DEMO_QUERIES])
def test_demo_query_is_flagged(pg_demo_dsn: str, name: str, rule: str, fix: str) -> None:
    from dbsage.tools.demo.problems import PROBLEMS
    from dbsage.tools.demo.workload import query

    engine = connect(resolve(pg_demo_dsn))
    try:
        result = engine.explain(query(name).sql, analyze=True)
    finally:
        engine.close()
    found = [i for i in result.insights if i.rule == rule]
    assert len(found) == 1 and fix in (found[0].fix or ""), [(i.rule, i.fix) for i in result.insights]
    planted = next(p for p in PROBLEMS if p.query == name)
    if planted.id == "count_existence_check":
        assert found[0].fix == planted.fix  # the rewrite is the one the demo's authors wrote


def test_demo_explain_section(pg_demo_dsn: str) -> None:
    from rich.console import Console

    from dbsage.agent.cli.demo import slow_query_section

    engine = connect(resolve(pg_demo_dsn))
    console = Console(record=True, width=120)
    try:
        part = slow_query_section(engine, console, "table")
    finally:
        engine.close()
    assert list(part)[0] == "stale_pending_orders" and set(part) >= {"has_pending_order", "feed_page"}
    slow = part["stale_pending_orders"]["summary"]
    assert slow["analyzed"] and slow["insights"][0]["rule"] == "seq_scan_selective"
    text = console.export_text()
    assert "▶ #0 Limit" in text and "OFFSET pagination" in text


def test_a_user_function_shadowing_a_builtin_is_refused(make_pg_db) -> None:
    engine = connect(resolve(make_pg_db("CREATE FUNCTION public.upper(text) RETURNS text LANGUAGE sql "
                                        "AS 'SELECT $1';")))
    try:
        with pytest.raises(GuardRefusal, match=r"public\.upper\(\)"):
            engine.explain("SELECT upper('a')")
        assert engine.explain("SELECT lower('a')").plan.root.node_type == "Result"
    finally:
        engine.close()


@pytest.mark.parametrize(("sql", "position"), [("selec 1", 0), ("SELECT id FROM orders WHER id = 1", 27)])
def test_syntax_errors_point_into_the_users_text_not_the_explain_wrapper(shop: PostgresEngine, sql: str,
                                                                         position: int) -> None:
    with pytest.raises(GuardRefusal, match=rf"at line 1, column {position + 1}:\n  {sql}\n  {' ' * position}\^"):
        shop.explain(sql)
