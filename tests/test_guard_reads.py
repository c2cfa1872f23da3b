"""The guard judges what a statement reads, not only its text: views' stored definitions (views over views, a table
turned into a view by an ON SELECT rule, set-returning functions in a view's FROM), row-level security policies.

Real throwaway database, superuser login (the worst case), a victim session that a view would terminate. Every case
of guard_cases.PG_REFUSED_READS must be refused naming the view, and the victim must still be alive afterwards —
while the same statement with the reads check bypassed really does terminate it (the test can fail).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from cli import run_dbsage
from dbsage.tools.engines import SessionLimits, connect
from dbsage.tools.engines.postgres.adapter import PostgresEngine
from dbsage.tools.engines.postgres.query import run_guarded
from dbsage.tools.engines.postgres.reads import MAX_VIEW_DEPTH
from dbsage.tools.errors import GuardRefusal
from dbsage.tools.guard import check
from dbsage.tools.targets import resolve
from guard_cases import (
    MYSQL_LEGIT_READS,
    MYSQL_READS_FIXTURE,
    MYSQL_REFUSED_READS,
    PG_LEGIT_READS,
    PG_READS_FIXTURE,
    PG_REFUSED_READS,
)

LIMITS = SessionLimits(statement_timeout_ms=1_500)


@pytest.fixture(scope="module")
def dsn(make_pg_db) -> str:
    return make_pg_db(PG_READS_FIXTURE)


@pytest.fixture(scope="module")
def engine(dsn: str) -> Iterator[PostgresEngine]:
    engine = connect(resolve(dsn), LIMITS)
    assert isinstance(engine, PostgresEngine)
    yield engine
    engine.close()


@pytest.fixture()
def victim(dsn: str) -> Iterator[psycopg.Connection[Any]]:
    conn = psycopg.connect(dsn, application_name="dbsage-victim", autocommit=True)
    conn.execute("SELECT pg_advisory_lock(4242)")
    yield conn
    conn.close()


def alive(dsn: str, pid: int) -> bool:
    with psycopg.connect(dsn, autocommit=True) as admin:
        return admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone() == (1,)


def advisory_locks(dsn: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn, autocommit=True) as admin:
        return admin.execute("SELECT objid FROM pg_locks WHERE locktype = 'advisory' ORDER BY 1").fetchall()


def test_every_statement_whose_reads_run_refused_code_is_refused_naming_the_view(engine: PostgresEngine, dsn: str,
                                                                                   victim) -> None:
    pid = victim.info.backend_pid
    for sql, fragment in PG_REFUSED_READS:
        check(sql, "postgres")  # the text alone passes the parse layer: only the reads check can stop it
        with pytest.raises(GuardRefusal) as refused:
            engine.run_sql(sql)
        assert fragment in refused.value.message, (sql, refused.value.message)
        assert refused.value.exit_code == 3
    assert alive(dsn, pid)
    assert victim.execute("SELECT 1").fetchone() == (1,)
    assert advisory_locks(dsn) == [(4242,)]  # no view or policy took 9191/9292


def test_explain_and_what_if_paths_judge_views_too(engine: PostgresEngine, dsn: str, victim) -> None:
    with pytest.raises(GuardRefusal, match="view public.kill_view"):
        engine.explain("SELECT * FROM over_kill", analyze=True)
    with pytest.raises(GuardRefusal, match="view public.kill_view"):
        engine.explain("SELECT * FROM over_kill")
    assert alive(dsn, victim.info.backend_pid)


def test_the_bypassed_check_really_terminates_the_victim(engine: PostgresEngine, dsn: str, victim) -> None:
    # Sensitivity: the same statement, with the relations it reads hidden from the executor, kills the victim.
    pid = victim.info.backend_pid
    statement = check("SELECT * FROM kill_view", "postgres")
    assert statement.relations == ['"kill_view"']
    run_guarded(engine, statement.model_copy(update={"relations": []}))
    assert not alive(dsn, pid)


def test_views_that_run_only_allowed_code_and_stored_data_read_normally(engine: PostgresEngine) -> None:
    for sql in PG_LEGIT_READS:
        engine.run_sql(sql)
    assert engine.run_sql("SELECT v FROM over_fine ORDER BY id").rows == [["X"], ["Y"]]


def test_views_nested_deeper_than_the_bound_are_refused(make_pg_db) -> None:
    chain = ["CREATE VIEW v0 AS SELECT 1 AS n;"]
    chain += [f"CREATE VIEW v{i} AS SELECT n FROM v{i - 1};" for i in range(1, MAX_VIEW_DEPTH + 2)]
    deep = connect(resolve(make_pg_db("".join(chain))), LIMITS)
    try:
        assert deep.run_sql(f"SELECT * FROM v{MAX_VIEW_DEPTH - 1}").rows == [[1]]
        with pytest.raises(GuardRefusal, match="nests views more than"):
            deep.run_sql(f"SELECT * FROM v{MAX_VIEW_DEPTH + 1}")
    finally:
        deep.close()


def test_cli_exits_3_and_names_the_view(dsn: str, victim) -> None:
    done = run_dbsage("sql", "SELECT * FROM over_kill", "--db", dsn)
    assert done.returncode == 3, done.stderr
    assert "refused:" in done.stderr and "view public.kill_view" in done.stderr
    assert alive(dsn, victim.info.backend_pid)


# ---- MySQL/MariaDB ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mysql_dsn(make_mysql_db) -> str:
    return make_mysql_db(MYSQL_READS_FIXTURE)


def test_mariadb_views_that_run_refused_code_are_refused_naming_the_view(mysql_dsn: str) -> None:
    db = mysql_dsn.rsplit("/", 1)[1]
    engine = connect(resolve(mysql_dsn), LIMITS)
    try:
        for sql, fragment in MYSQL_REFUSED_READS:
            sql, fragment = sql.format(db=db), fragment.format(db=db)
            check(sql, "mysql")  # the text alone passes the parse layer
            started = time.monotonic()
            with pytest.raises(GuardRefusal) as refused:
                engine.run_sql(sql)
            assert fragment in refused.value.message, (sql, refused.value.message)
            assert time.monotonic() - started < 1.5  # refused before SLEEP(2) could run
        with pytest.raises(GuardRefusal, match=f"view {db}.sleepy"):
            engine.explain("SELECT * FROM over_sleepy")
        for sql in MYSQL_LEGIT_READS:
            engine.run_sql(sql)
        assert engine.run_sql("SELECT v FROM over_fine ORDER BY id").rows == [["X"], ["Y"]]
    finally:
        engine.close()


def test_mariadb_bypassed_view_check_really_runs_the_view(mysql_dsn: str) -> None:
    from dbsage.tools.engines.mysql.query import run_guarded as run_mysql

    engine = connect(resolve(mysql_dsn), SessionLimits(statement_timeout_ms=10_000))
    try:
        statement = check("SELECT * FROM sleepy", "mysql")
        started = time.monotonic()
        run_mysql(engine, statement.model_copy(update={"relations": []}))  # type: ignore[arg-type]
        assert time.monotonic() - started >= 2.0
    finally:
        engine.close()
