"""explain, check and top on a real MariaDB: the demo shop (tools/demo/mysql_*.sql) with its planted problems, on the
throwaway server the suite starts with performance_schema ON, and on a second one with it OFF (MariaDB's default).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import mysql_admin_connection, with_database

from dbsage.tools.checks.mysql_rules import MySQLThresholds
from dbsage.tools.demo.mysql_problems import MYSQL_PROBLEMS
from dbsage.tools.demo.scale import parse_scale
from dbsage.tools.engines.base import SessionLimits
from dbsage.tools.engines.mysql.adapter import MySQLEngine
from dbsage.tools.engines.mysql.advise import advise, load_workload_files
from dbsage.tools.engines.mysql.checks import run_checks
from dbsage.tools.engines.mysql.demo import MySQLDemoLoader, mysql_workload
from dbsage.tools.engines.mysql.explain import explain_statement
from dbsage.tools.engines.mysql.top import top_statements
from dbsage.tools.errors import CapabilityMissing, DatabaseError, GuardRefusal, UsageError
from dbsage.tools.targets import Target
from servers import mariadb_server

QUERIES = dict(mysql_workload())


@pytest.fixture(scope="module")
def demo_dsn(mysql_admin_dsn: str) -> str:
    MySQLDemoLoader(mysql_admin_dsn).ensure(parse_scale("small"))
    return with_database(mysql_admin_dsn, "dbsage_demo")


@pytest.fixture
def engine(demo_dsn: str) -> Iterator[MySQLEngine]:
    found = MySQLEngine(Target(engine="mysql", dsn=demo_dsn, source="test"), SessionLimits())
    yield found
    found.close()


@pytest.fixture(scope="module")
def ps_off_engine() -> Iterator[MySQLEngine]:
    with mariadb_server(performance_schema=False) as dsn:
        MySQLDemoLoader(dsn).ensure(parse_scale("small"))
        found = MySQLEngine(Target(engine="mysql", dsn=with_database(dsn, "dbsage_demo"), source="test"),
                            SessionLimits())
        yield found
        found.close()


# -- explain -------------------------------------------------------------------------------------------------------

def test_keyset_fix_follows_the_query_s_own_order(engine: MySQLEngine) -> None:
    result = explain_statement(engine, "SELECT id, title FROM posts ORDER BY title, id LIMIT 20 OFFSET 5000")
    fix = {i.rule: i.fix for i in result.insights}["mysql_offset_pagination"] or ""
    assert "WHERE (title, id) > (<last seen values>) ORDER BY title, id LIMIT" in fix


@pytest.mark.parametrize(("query", "rule", "fix_part"), [
    ("stale_pending_orders", "mysql_full_table_scan", "(`status`, `created_at`), ALGORITHM=INPLACE, LOCK=NONE"),
    ("stale_pending_orders", "mysql_filesort", "(`status`, `created_at`)"),
    ("order_lines", "mysql_charset_conversion", "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"),
    ("has_pending_order", "mysql_count_existence_check", "EXISTS"),
    ("feed_page", "mysql_offset_pagination", "ORDER BY published_at DESC LIMIT <page size>"),
    ("signups_in_year", "mysql_function_on_indexed_column", "year(`created_at`)"),
])
@pytest.mark.parametrize("run", [False, True])
def test_explain_finds_each_planted_query_problem(engine: MySQLEngine, query: str, rule: str, fix_part: str,
                                                  run: bool) -> None:
    result = explain_statement(engine, QUERIES[query], run=run)
    found = {i.rule: i for i in result.insights}
    assert rule in found, [i.rule for i in result.insights]
    insight = found[rule]
    assert fix_part in (insight.fix or "")
    node = result.plan.node(insight.node_id or 0)
    assert result.analyzed is run
    if rule.startswith(("mysql_full", "mysql_charset", "mysql_function")):
        assert node.relation in ("orders", "products", "users")  # tied to the table access, not the root
    if run:
        assert any(n.actual_rows is not None for n in result.plan.nodes())


def test_explain_of_indexed_lookup_is_quiet(engine: MySQLEngine) -> None:
    result = explain_statement(engine, QUERIES["login"])
    assert result.insights == []
    assert [n.index_name for n in result.plan.nodes() if n.relation] == ["users_email_key"]


def test_explain_analyze_only_for_reads_and_plan_of_update_is_explained(engine: MySQLEngine) -> None:
    with pytest.raises((UsageError, GuardRefusal)):
        explain_statement(engine, "UPDATE orders SET status = 'x' WHERE id = 1", run=True)
    with pytest.raises(DatabaseError, match="read-only transaction") as caught:
        explain_statement(engine, "UPDATE orders SET status = 'x' WHERE id = 1")
    assert "SELECT" in (caught.value.hint or "")
    with pytest.raises(GuardRefusal):
        explain_statement(engine, "DROP TABLE orders")


def test_postgres_syntax_sent_to_mysql_is_named(engine: MySQLEngine) -> None:
    with pytest.raises(DatabaseError) as caught:
        explain_statement(engine, "SELECT id::text FROM orders WHERE user_id = $1")
    assert "PostgreSQL syntax" in (caught.value.hint or "") and "CAST" in (caught.value.hint or "")


def test_mysql_syntax_sent_to_postgres_is_refused_clearly() -> None:
    from dbsage.tools.guard import check
    from dbsage.tools.guard.dialect import foreign_hint

    with pytest.raises(GuardRefusal, match="not valid PostgreSQL") as caught:
        check("SELECT `id` FROM orders LIMIT 10, 20", "postgres")
    assert "uses MySQL/MariaDB syntax (backtick-quoted identifiers)" in (caught.value.hint or "")
    assert "LIMIT count OFFSET offset" in (foreign_hint("SELECT id FROM orders LIMIT 10, 20", "postgres") or "")


# -- check ---------------------------------------------------------------------------------------------------------

def test_check_reports_each_planted_schema_problem(engine: MySQLEngine) -> None:
    report = run_checks(engine, MySQLThresholds(min_uptime_s=0))
    objects = {(f.id, f.object) for f in report.findings}
    assert ("schema.missing_primary_key", "`dbsage_demo`.`order_items`") in objects
    assert ("indexes.duplicate", "`dbsage_demo`.`posts`.`posts_author_id_idx`") in objects
    assert ("indexes.unused", "`dbsage_demo`.`orders`.`orders_total_cents_idx`") in objects
    assert ("schema.collation_mismatch", "`dbsage_demo`.`order_items`.`sku`") in objects
    assert ("schema.auto_increment_near_limit", "`dbsage_demo`.`audit_events`.`id`") in objects
    unused = {o for i, o in objects if i == "indexes.unused"}
    # never a constraint's index, never the last index a foreign key can use, never reported twice
    assert not any("PRIMARY" in o or "_key`" in o for o in unused)
    assert "`dbsage_demo`.`orders`.`orders_user_id_idx`" not in unused
    assert "`dbsage_demo`.`posts`.`posts_author_id_idx`" not in unused
    for finding in report.findings:
        assert finding.evidence and finding.severity
    duplicate = report.by_id("indexes.duplicate")[0]
    assert duplicate.fix == ("ALTER TABLE `dbsage_demo`.`posts` DROP INDEX `posts_author_id_idx`, "
                             "ALGORITHM=INPLACE, LOCK=NONE;")
    card = {s.key: s for s in report.scorecard}
    assert card["pks"].status == "fail" and card["monitoring"].status == "pass"
    assert card["p95"].status in ("pass", "fail")  # digests exist: the workload ran


def test_unused_indexes_wait_for_uptime(engine: MySQLEngine) -> None:
    report = run_checks(engine)  # default: a week of uptime before an index counts as unused
    assert report.by_id("indexes.unused") == []
    early = report.by_id("indexes.unused_too_early")
    assert len(early) == 1 and "orders_total_cents_idx" in early[0].evidence["indexes"]


def test_check_security_and_settings_on_the_test_server(engine: MySQLEngine) -> None:
    report = run_checks(engine)
    ids = {f.id for f in report.findings}
    # the throwaway server: root without a password, innodb_flush_log_at_trx_commit=0, no TLS configured
    assert {"security.account_without_password", "reliability.flush_log_at_trx_commit"} <= ids
    assert "security.ssl_off" in ids or "security.ssl_not_required" in ids


def test_check_with_performance_schema_off_says_what_it_could_not_tell(ps_off_engine: MySQLEngine) -> None:
    report = run_checks(ps_off_engine, MySQLThresholds(min_uptime_s=0))
    assert any("performance_schema is OFF" in s for s in report.skipped)
    assert report.by_id("indexes.unused") == [] and report.by_id("schema.missing_primary_key")
    card = {s.key: s for s in report.scorecard}
    assert card["p95"].status == "unknown" and card["monitoring"].status == "fail"


# -- top -----------------------------------------------------------------------------------------------------------

def test_top_lists_the_workload_with_rows_examined(mysql_admin_dsn: str, engine: MySQLEngine) -> None:
    conn = mysql_admin_connection(mysql_admin_dsn, "dbsage_demo")
    try:
        with conn.cursor() as cur:
            for _ in range(3):
                cur.execute(QUERIES["stale_pending_orders"])
                cur.fetchall()
    finally:
        conn.close()
    report = top_statements(engine, sort="io", limit=50)
    stale = [s for s in report.statements
             if "status = ? and created_at < ?" in s.query.lower().replace("`", "")]
    assert stale, [s.query for s in report.statements]
    assert stale[0].calls >= 3 and stale[0].no_index_used >= 3
    assert stale[0].rows_examined >= 3 * 25_000 and (stale[0].examined_per_sent or 0) > 100
    assert report.statements == sorted(report.statements, key=lambda s: -s.rows_examined)
    assert not any(s.query.upper().startswith(("EXPLAIN", "ANALYZE", "SET ", "SHOW")) for s in report.statements)
    with pytest.raises(UsageError):
        top_statements(engine, sort="bogus")


def test_top_with_performance_schema_off_gives_the_steps(ps_off_engine: MySQLEngine) -> None:
    with pytest.raises(CapabilityMissing) as caught:
        top_statements(ps_off_engine)
    hint = caught.value.hint or ""
    assert "performance_schema=ON" in hint and "restart" in hint and "slow_query_log" in hint


def test_every_planted_problem_is_listed_with_a_fix() -> None:
    assert {p.id for p in MYSQL_PROBLEMS} >= {"missing_primary_key", "duplicate_index", "unused_index",
                                              "slow_query_composite_index", "collation_mismatch"}
    assert all(p.query is None or p.query in QUERIES for p in MYSQL_PROBLEMS)


# -- advise --------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def workload_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("workload") / "app.sql"
    path.write_text(";\n".join(QUERIES.values()) + ";\n", encoding="utf-8")
    return path


def test_advise_without_scratch_is_heuristic_and_proposes_the_composite(engine: MySQLEngine,
                                                                        workload_file: Path) -> None:
    advice = advise(engine, load_workload_files(workload_file))
    assert not advice.verified and advice.method == "heuristic (unverified)"
    assert any("--scratch" in n for n in advice.notes)
    created = {r.create_sql for r in advice.recommendations}
    assert ("ALTER TABLE `dbsage_demo`.`orders` ADD INDEX `orders_status_created_at_idx` (`status`, `created_at`), "
            "ALGORITHM=INPLACE, LOCK=NONE;") in created


def test_advise_with_scratch_keeps_what_the_optimizer_uses(mysql_admin_dsn: str, engine: MySQLEngine,
                                                           workload_file: Path) -> None:
    conn = mysql_admin_connection(mysql_admin_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE DATABASE IF NOT EXISTS advise_scratch")
    finally:
        conn.close()
    scratch = with_database(mysql_admin_dsn, "advise_scratch")
    advice = advise(engine, load_workload_files(workload_file), scratch=scratch)
    assert advice.verified and advice.method == "scratch copy"
    by_name = {r.index.name: r for r in advice.recommendations}
    composite = by_name["orders_status_created_at_idx"]
    assert composite.rows_after is not None and composite.rows_before is not None
    assert composite.rows_after < composite.rows_before / 10  # a full scan of orders becomes a range read
    stale = next(c for c in advice.statements if c.statement_id in composite.helps)
    assert stale.keys_before == [] and "orders_status_created_at_idx" in stale.keys_after
    for rec in advice.recommendations:  # every kept index is used by a statement it improves
        assert any(rec.index.name in c.keys_after and c.improved for c in advice.statements)
    # the target was only read: the candidates exist on the scratch alone
    indexes = {r["name"] for r in engine.catalog_query(
        "SELECT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'dbsage_demo'")}
    assert "orders_status_created_at_idx" not in indexes


def test_advise_refuses_the_target_as_its_own_scratch(engine: MySQLEngine, demo_dsn: str,
                                                      workload_file: Path) -> None:
    with pytest.raises(UsageError, match="target itself"):
        advise(engine, load_workload_files(workload_file), scratch=demo_dsn)
