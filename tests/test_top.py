"""dbsage top against a real PostgreSQL with pg_stat_statements: a workload run from a second session must come
back ranked by each sort key; a missing extension must give the enabling steps."""

from __future__ import annotations

import json

import psycopg
import pytest
from typer.testing import CliRunner

from dbsage.agent.cli.app import app
from dbsage.tools.engines import connect
from dbsage.tools.errors import CapabilityMissing, UsageError
from dbsage.tools.targets import resolve
from servers import postgres_cluster

SETUP = """
CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL);
INSERT INTO items SELECT g, g FROM generate_series(1, 50000) g;
ANALYZE items;
"""

# name → (statement, its normalized text, how many times); each is the clear leader of one sort key
WORKLOAD = {
    "slow": ("SELECT pg_sleep(0.12)", "SELECT pg_sleep($1)", 3),  # mean 120 ms, total 360 ms: total and mean
    "chatty": ("SELECT v FROM items WHERE id = 7", "SELECT v FROM items WHERE id = $1", 400),  # calls
    "spilling": ("SELECT v FROM items ORDER BY v DESC OFFSET 49990",  # work_mem 64kB: temp blocks, leads io
                 "SELECT v FROM items ORDER BY v DESC OFFSET $1", 2),
}


@pytest.fixture(scope="module")
def dsn(make_pg_db) -> str:
    dsn = make_pg_db(SETUP)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET work_mem = '64kB'")
        for sql, _, times in WORKLOAD.values():
            for _ in range(times):
                conn.execute(sql)  # type: ignore[arg-type]
    return dsn


@pytest.mark.parametrize(("sort", "leader"), [("total", "slow"), ("mean", "slow"), ("calls", "chatty"),
                                              ("io", "spilling")])
def test_each_sort_key_ranks_its_leader_first(dsn: str, sort: str, leader: str) -> None:
    engine = connect(resolve(dsn))
    try:
        report = engine.top_statements(sort=sort, limit=5)
    finally:
        engine.close()
    first = report.statements[0]
    _, normalized, times = WORKLOAD[leader]
    assert (first.query, first.calls) == (normalized, times)
    assert len(report.statements) <= 5 and report.sort == sort


def test_figures_are_the_servers(dsn: str) -> None:
    engine = connect(resolve(dsn))
    try:
        statements = {s.query: s for s in engine.top_statements(sort="total", limit=50).statements}
    finally:
        engine.close()
    slow = statements["SELECT pg_sleep($1)"]
    assert slow.mean_ms >= 120 and slow.total_ms == pytest.approx(slow.mean_ms * 3, rel=1e-6)
    assert slow.stddev_ms >= 0 and slow.min_ms <= slow.mean_ms <= slow.max_ms
    chatty = statements["SELECT v FROM items WHERE id = $1"]
    assert chatty.rows == 400 and chatty.cache_hit_ratio == pytest.approx(1.0)
    spilling = statements["SELECT v FROM items ORDER BY v DESC OFFSET $1"]
    assert spilling.temp_blks_written > 0 and spilling.io_blocks > 0
    assert sum(s.share_of_total for s in statements.values()) == pytest.approx(1.0)


def test_bad_options_are_usage_errors(dsn: str) -> None:
    engine = connect(resolve(dsn))
    try:
        with pytest.raises(UsageError):
            engine.top_statements(sort="bogus")
        with pytest.raises(UsageError):
            engine.top_statements(limit=0)
    finally:
        engine.close()


def test_extension_not_created_gives_the_steps(make_pg_db) -> None:
    engine = connect(resolve(make_pg_db("", extensions=())))
    try:
        with pytest.raises(CapabilityMissing) as caught:
            engine.top_statements()
    finally:
        engine.close()
    assert "not installed in this database" in caught.value.message
    assert caught.value.hint == "CREATE EXTENSION pg_stat_statements;  -- in this database"


def test_extension_not_preloaded_gives_the_steps() -> None:
    with postgres_cluster(preload="") as admin:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION pg_stat_statements")
        engine = connect(resolve(admin))
        try:
            with pytest.raises(CapabilityMissing) as caught:
                engine.top_statements()
        finally:
            engine.close()
    assert "not in shared_preload_libraries" in caught.value.message
    assert "shared_preload_libraries = 'pg_stat_statements'" in (caught.value.hint or "")
    assert "restart" in (caught.value.hint or "") and "CREATE EXTENSION" not in (caught.value.hint or "")


def test_cli(dsn: str) -> None:
    run = CliRunner().invoke(app, ["top", "--db", dsn, "--sort", "calls", "--limit", "2", "--format", "json"])
    assert run.exit_code == 0, run.output
    document = json.loads(run.stdout)
    assert (document["command"], document["report"]["sort"]) == ("top", "calls")
    assert document["report"]["statements"][0]["calls"] == 400
    table = CliRunner().invoke(app, ["top", "--db", dsn, "-n", "3"])
    assert table.exit_code == 0 and "SELECT pg_sleep($1)" in table.stdout
    bad = CliRunner().invoke(app, ["top", "--db", dsn, "--sort", "nope"])
    assert bad.exit_code == 2


def test_login_without_read_all_stats_is_told_why_texts_are_hidden(dsn: str, pg_admin_dsn: str) -> None:
    from conftest import with_database

    with psycopg.connect(pg_admin_dsn, autocommit=True) as conn:
        conn.execute("CREATE ROLE dbsage_t_reader LOGIN")
    try:
        database = dsn.rsplit("/", 1)[1]
        reader = with_database(pg_admin_dsn, database).replace("postgres@", "dbsage_t_reader@", 1)
        engine = connect(resolve(reader))
        try:
            report = engine.top_statements(sort="calls", limit=3)
        finally:
            engine.close()
    finally:
        with psycopg.connect(pg_admin_dsn, autocommit=True) as conn:
            conn.execute("DROP ROLE dbsage_t_reader")
    assert report.statements and report.statements[0].query == "<insufficient privilege>"
    assert any("pg_read_all_stats" in note for note in report.notes), report.notes
