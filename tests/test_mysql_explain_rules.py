"""MySQL/MariaDB plan reading and insight rules on recorded server output.

The documents in fixtures/mysql_plans_mariadb_10_11.json are EXPLAIN FORMAT=JSON and ANALYZE FORMAT=JSON output
captured from MariaDB 10.11 on the demo shop (tools/demo/mysql_*.sql, small scale); the MySQL 8 document below is
written from MySQL's documented EXPLAIN FORMAT=JSON layout, because no MySQL 8 server can be installed here.
The same rules run against a live MariaDB in test_mysql_engine_explain.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dbsage.tools.explain.mysql_insights import (
    MySQLColumnFacts,
    MySQLExplainContext,
    MySQLIndexFacts,
    MySQLTableFacts,
    mysql_insights,
)
from dbsage.tools.explain.mysql_plan import parse_document, to_plan

PLANS = json.loads((Path(__file__).parent / "fixtures" / "mysql_plans_mariadb_10_11.json").read_text())


def _col(name: str, column_type: str, charset: str | None = None, collation: str | None = None) -> MySQLColumnFacts:
    data_type = column_type.split("(")[0].split()[0]
    return MySQLColumnFacts(name=name, column_type=column_type, data_type=data_type, nullable=False,
                            charset=charset, collation=collation)


def _context() -> MySQLExplainContext:
    utf = ("utf8mb4", "utf8mb4_unicode_ci")
    return MySQLExplainContext(tables=[
        MySQLTableFacts(schema_name="shop", name="orders", rows=100_000,
                        columns=[_col("id", "bigint unsigned"), _col("user_id", "bigint unsigned"),
                                 _col("status", "varchar(16)", *utf), _col("created_at", "datetime")],
                        indexes=[MySQLIndexFacts(name="PRIMARY", columns=["id"], unique=True),
                                 MySQLIndexFacts(name="orders_user_id_idx", columns=["user_id"])]),
        MySQLTableFacts(schema_name="shop", name="products", rows=2_000,
                        columns=[_col("sku", "varchar(32)", "latin1", "latin1_swedish_ci")],
                        indexes=[MySQLIndexFacts(name="products_sku_key", columns=["sku"], unique=True)]),
        MySQLTableFacts(schema_name="shop", name="order_items", rows=200_000,
                        columns=[_col("sku", "varchar(32)", *utf)],
                        indexes=[MySQLIndexFacts(name="order_items_order_id_idx", columns=["order_id"])]),
        MySQLTableFacts(schema_name="shop", name="posts", rows=15_000,
                        columns=[_col("status", "varchar(16)", "utf8mb4", "utf8mb4_unicode_ci"),
                                 _col("published_at", "datetime")],
                        indexes=[MySQLIndexFacts(name="posts_status_published_at_idx",
                                                 columns=["status", "published_at"])]),
        MySQLTableFacts(schema_name="shop", name="users", rows=20_000,
                        columns=[_col("created_at", "datetime"), _col("email", "varchar(191)", *utf),
                                 _col("name", "varchar(100)", *utf)],
                        indexes=[MySQLIndexFacts(name="users_created_at_idx", columns=["created_at"]),
                                 MySQLIndexFacts(name="users_email_key", columns=["email"], unique=True)]),
    ])


def _rules(name: str, mode: str = "analyze") -> dict[str, str | None]:
    case = PLANS[name]
    found = mysql_insights(parse_document(case[mode]), case["sql"], _context())
    return {i.rule: i.fix for i in found}


@pytest.mark.parametrize(("query", "rule", "fix_part"), [
    ("stale_pending_orders", "mysql_full_table_scan", "ADD INDEX `orders_status_created_at_idx` (`status`, "
                                                      "`created_at`), ALGORITHM=INPLACE, LOCK=NONE"),
    ("stale_pending_orders", "mysql_filesort", "(`status`, `created_at`)"),
    ("order_lines", "mysql_charset_conversion", "MODIFY `sku` varchar(32) CHARACTER SET utf8mb4 COLLATE "
                                                "utf8mb4_unicode_ci NOT NULL"),
    ("signups_in_year", "mysql_function_on_indexed_column", "year(`created_at`)"),
    ("implicit_cast", "mysql_implicit_conversion", "sku = '123'"),
    ("leading_wildcard", "mysql_leading_wildcard", "FULLTEXT"),
    ("or_across", "mysql_or_across_columns", "ADD INDEX `users_name_idx` (`name`)"),
    ("has_pending_order", "mysql_count_existence_check", "EXISTS"),
    ("feed_page", "mysql_offset_pagination", "(published_at) < (<last seen values>) ORDER BY published_at DESC LIMIT"),
    ("join_buffer", "mysql_full_table_scan", "(`country`)"),
    ("composite_prefix", "mysql_composite_prefix_only", ""),
])
def test_each_planted_pattern_gets_its_insight_and_fix(query: str, rule: str, fix_part: str) -> None:
    for mode in ("explain", "analyze"):
        rules = _rules(query, mode)
        assert rule in rules, (mode, rules)
        assert fix_part in (rules[rule] or ""), (mode, rules[rule])


@pytest.mark.parametrize("query", ["login", "user_orders", "union", "recent_signups"])
def test_indexed_lookups_get_no_insight(query: str) -> None:
    assert _rules(query) == {}


def test_plan_tree_follows_join_order_and_measures_time() -> None:
    root = parse_document(PLANS["order_lines"]["analyze"])
    plan = to_plan(root, {"oi": "order_items", "p": "products"})
    scans = [n for n in plan.nodes() if n.relation]
    assert [(n.relation, n.alias, n.node_type) for n in scans] == [
        ("order_items", "oi", "Index Lookup"), ("products", "p", "Full Table Scan")]
    assert plan.analyzed and scans[1].actual_rows == 2000 and scans[1].join_type == "BNL"
    assert scans[1].hot and scans[1].share > scans[0].share


def test_mysql8_document_reads_the_same() -> None:
    # Written from MySQL 8.0's documented FORMAT=JSON: rows_examined_per_scan, string percentages, cost_info,
    # ordering_operation with using_filesort, using_join_buffer on the inner table.
    doc = {"query_block": {"select_id": 1, "cost_info": {"query_cost": "10153.25"}, "ordering_operation": {
        "using_filesort": True, "table": {
            "table_name": "orders", "access_type": "ALL", "rows_examined_per_scan": 99981,
            "rows_produced_per_join": 1110, "filtered": "1.11",
            "cost_info": {"read_cost": "9042.35", "eval_cost": "111.07", "prefix_cost": "10153.25"},
            "used_columns": ["id", "status", "created_at"],
            "attached_condition": "((`shop`.`orders`.`status` = 'pending') and "
                                  "(`shop`.`orders`.`created_at` < TIMESTAMP'2026-11-01 00:00:00'))"}}}}
    root = parse_document(doc)
    table = next(n for n in root.walk() if n.kind == "table")
    assert table.rows == 99981 and table.filtered == pytest.approx(1.11)
    rules = {i.rule: i.fix for i in mysql_insights(root, PLANS["stale_pending_orders"]["sql"], _context())}
    assert "(`status`, `created_at`)" in (rules["mysql_full_table_scan"] or "")
    assert "mysql_filesort" in rules


def test_not_a_plan_is_a_clear_error() -> None:
    from dbsage.tools.errors import DatabaseError

    with pytest.raises(DatabaseError, match="no plan"):
        parse_document({"Plan": {}})


def test_mysql8_explain_analyze_tree_fills_measured_rows() -> None:
    # MySQL 8.0.18+ EXPLAIN ANALYZE prints a tree (no JSON); this text is written in its documented layout.
    from dbsage.tools.engines.mysql.explain import merge_tree_analyze

    tree = (
        "-> Limit: 100 row(s)  (cost=10153 rows=100) (actual time=41.2..41.3 rows=100 loops=1)\n"
        "    -> Sort: orders.created_at, limit input to 100 row(s) per chunk  (cost=10153 rows=99981) "
        "(actual time=41.2..41.2 rows=100 loops=1)\n"
        "        -> Filter: ((orders.`status` = 'pending') and (orders.created_at < TIMESTAMP'2026-11-01 00:00:00'))"
        "  (cost=10153 rows=1110) (actual time=0.09..39.8 rows=2107 loops=1)\n"
        "            -> Table scan on orders  (cost=10153 rows=99981) (actual time=0.05..30.1 rows=100000 loops=1)\n"
    )
    root = parse_document(PLANS["stale_pending_orders"]["explain"])
    merge_tree_analyze(root, tree)
    table = next(n for n in root.walk() if n.kind == "table")
    assert (table.r_rows, table.r_loops, table.r_time_ms) == (100000.0, 1.0, 30.1)
    assert to_plan(root).analyzed
