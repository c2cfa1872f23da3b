"""The same commands, JSON shapes and agent tools on a MySQL/MariaDB target as on PostgreSQL: `dbsage explain|top|
check|advise --db mysql://…`, `dbsage demo --engine mysql`, and the plain router, on the suite's throwaway MariaDB
(performance_schema ON) with the demo shop loaded."""

from __future__ import annotations

import json

import pytest
from conftest import mysql_admin_connection, with_database

from cli import run_dbsage
from dbsage.tools.demo.scale import parse_scale
from dbsage.tools.engines.mysql.demo import MySQLDemoLoader, mysql_workload

QUERIES = dict(mysql_workload())


@pytest.fixture(scope="module")
def demo_dsn(mysql_admin_dsn: str) -> str:
    MySQLDemoLoader(mysql_admin_dsn).ensure(parse_scale("small"))
    return with_database(mysql_admin_dsn, "dbsage_demo")


def _json(*args: str) -> dict:
    result = run_dbsage(*args, "--format", "json", timeout=120)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["dbsage"] == 1
    return document


def test_explain_json_has_the_same_shape(demo_dsn: str) -> None:
    document = _json("explain", QUERIES["stale_pending_orders"], "--db", demo_dsn, "--analyze", "--full")
    assert set(document) >= {"sql", "analyzed", "summary", "insights", "notes", "plan"}
    assert document["analyzed"] is True
    rules = {i["rule"] for i in document["insights"]}
    assert {"mysql_full_table_scan", "mysql_filesort"} <= rules
    assert document["summary"]["hot_path"] and document["plan"]["root"]["children"]


def test_top_and_check_json(demo_dsn: str) -> None:
    top = _json("top", "--db", demo_dsn, "--sort", "io")["report"]
    assert top["statements"] and top["statements"][0]["rows_examined"] is not None
    check = _json("check", "--db", demo_dsn)
    ids = {f["id"] for f in check["report"]["findings"]} if "report" in check else {f["id"] for f in check["findings"]}
    assert {"schema.missing_primary_key", "indexes.duplicate", "schema.collation_mismatch"} <= ids


def test_advise_cli_with_scratch_and_without(mysql_admin_dsn: str, demo_dsn: str, tmp_path) -> None:
    workload = tmp_path / "w.sql"
    workload.write_text(QUERIES["stale_pending_orders"] + ";\n", encoding="utf-8")
    plain = _json("advise", "--db", demo_dsn, "--workload", str(workload))["report"]
    assert plain["method"] == "heuristic (unverified)" and not plain["verified"]
    conn = mysql_admin_connection(mysql_admin_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE DATABASE IF NOT EXISTS cli_scratch")
    finally:
        conn.close()
    scratch = with_database(mysql_admin_dsn, "cli_scratch")
    verified = _json("advise", "--db", demo_dsn, "--workload", str(workload), "--scratch", scratch)["report"]
    assert verified["method"] == "scratch copy" and verified["verified"]
    [rec] = verified["recommendations"]
    assert "ADD INDEX `orders_status_created_at_idx` (`status`, `created_at`), ALGORITHM=INPLACE, LOCK=NONE" \
        in rec["create_sql"]
    assert verified["cost_after"] < verified["cost_before"]
    same = run_dbsage("advise", "--db", demo_dsn, "--workload", str(workload), "--scratch", demo_dsn)
    assert same.returncode == 2 and "target itself" in same.stderr


def test_performance_schema_off_is_explained(demo_dsn: str) -> None:
    # the capability report of the server the tests started with it ON says so; the OFF case is in
    # test_mysql_diagnosis (a second server). Here: an unknown demo engine is a usage error.
    result = run_dbsage("demo", "--engine", "oracle")
    assert result.returncode == 2 and "--engine mysql" in result.stderr


def test_demo_engine_mysql_prints_the_report(mysql_admin_dsn: str, demo_dsn: str) -> None:
    document = _json("demo", "--engine", "mysql", "--db", mysql_admin_dsn, "--scale", "small")
    sections = document["sections"]
    assert set(sections) >= {"schema", "capabilities", "checkup", "explain", "advice"}
    assert all("error" not in part for part in sections.values()), {k: v for k, v in sections.items()
                                                                      if "error" in v}
    found = {f["id"] for f in sections["checkup"]["findings"]}
    assert {"schema.missing_primary_key", "indexes.duplicate", "schema.collation_mismatch"} <= found
    assert {"stale_pending_orders", "order_lines", "has_pending_order", "feed_page"} <= set(sections["explain"])
    assert sections["advice"]["report"]["method"] == "scratch copy"


@pytest.mark.parametrize(("question", "tools"), [
    (f"why is this query slow: {QUERIES['stale_pending_orders']}", ["explain_query", "advise_indexes"]),
    ("what is slow?", ["top_statements"]),
    ("check health", ["checkup"]),
])
def test_router_uses_the_same_tools_on_mysql(demo_dsn: str, question: str, tools: list[str]) -> None:
    from dbsage.agent.router import answer
    from dbsage.agent.toolkit import ToolContext
    from dbsage.tools.targets import resolve

    ctx = ToolContext(resolve(demo_dsn), origin="router")
    try:
        result = answer(ctx, question)
    finally:
        ctx.close()
    assert [c.tool for c in result.tool_calls] == tools
    assert all(c.ok for c in result.tool_calls), [(c.tool, c.ok) for c in result.tool_calls]


@pytest.mark.parametrize("args", [
    ["explain", QUERIES["order_lines"], "--analyze"],
    ["explain", QUERIES["stale_pending_orders"]],
    ["top", "--sort", "io"],
    ["check"],
])
def test_table_output_renders_on_mysql(demo_dsn: str, args: list[str]) -> None:
    result = run_dbsage(*args, "--db", demo_dsn, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() and "Traceback" not in result.stderr
    if args[0] == "explain":
        assert "ALTER TABLE" in result.stdout  # the fix is printed
