"""The PostgreSQL guard, layer by layer, against a real throwaway cluster (the agent logs in as a superuser here:
the worst case, where nothing but dbsage's own layers stands between a statement and the data).

- parse layer: every adversarial case is refused with a reason a DBA understands; every legitimate query passes;
- each database-side layer on its own, with the parse layer bypassed: the READ ONLY transaction, the statement
  timeout, the row and byte caps, the server's one-statement rule, the safe search_path, the shadowing check.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import psycopg
import pytest

from dbsage.tools.engines import SessionLimits, connect
from dbsage.tools.engines.postgres.adapter import PostgresEngine
from dbsage.tools.engines.postgres.query import run_guarded
from dbsage.tools.errors import DatabaseError, GuardRefusal
from dbsage.tools.guard import GuardedStatement, check
from dbsage.tools.targets import resolve
from guard_cases import (
    PG_HARMLESS,
    PG_LEGIT,
    PG_LEGIT_EXPRESSIONS,
    PG_LEGIT_SYNTAX,
    PG_REFUSED,
    PLACEHOLDERS,
    WORKLOAD_QUERIES,
    fill,
)

CANARY = """
CREATE TABLE canary (id int PRIMARY KEY, v text);
INSERT INTO canary VALUES (1, 'a'), (2, 'b'), (3, 'c');
CREATE SEQUENCE canary_seq;
CREATE MATERIALIZED VIEW canary_mv AS SELECT * FROM canary;
CREATE FUNCTION canary_evil() RETURNS int LANGUAGE plpgsql AS $$BEGIN DELETE FROM canary; RETURN 1; END$$;
CREATE FUNCTION lower(integer) RETURNS text LANGUAGE sql AS $$SELECT 'shadowed'$$;
CREATE FUNCTION canary_eq(int, int) RETURNS bool LANGUAGE sql AS $$SELECT $1 = $2$$;
CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = canary_eq);
CREATE FUNCTION canary_check(int) RETURNS bool LANGUAGE plpgsql
  AS $$BEGIN PERFORM pg_catalog.pg_advisory_xact_lock(55); RETURN true; END$$;
CREATE DOMAIN canary_dom AS int CHECK (canary_check(VALUE));
CREATE TYPE canary_mood AS ENUM ('ok', 'sad');
"""
LIMITS = SessionLimits(statement_timeout_ms=1_500)


@pytest.fixture(scope="module")
def canary_dsn(make_pg_db) -> str:
    return make_pg_db(CANARY)


@pytest.fixture(scope="module")
def engine(canary_dsn: str) -> Iterator[PostgresEngine]:
    engine = connect(resolve(canary_dsn), LIMITS)
    assert isinstance(engine, PostgresEngine)
    yield engine
    engine.close()


def canary_state(dsn: str) -> tuple[object, ...]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT string_agg(id || ':' || v, ',' ORDER BY id) FROM canary").fetchone()
        seq = conn.execute("SELECT last_value, is_called FROM canary_seq").fetchone()
        objects = conn.execute("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace").fetchone()
        return rows, seq, objects


# ---- parse layer --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sql", "reason"), PG_REFUSED, ids=[f"refuse-{i}" for i in range(len(PG_REFUSED))])
def test_parse_layer_refuses_with_a_reason(sql: str, reason: str) -> None:
    with pytest.raises(GuardRefusal) as refused:
        check(fill(sql, **PLACEHOLDERS), "postgres")
    assert reason in refused.value.message


@pytest.mark.parametrize("sql", PG_LEGIT, ids=[f"legit-{i}" for i in range(len(PG_LEGIT))])
def test_legitimate_dba_queries_run(engine: PostgresEngine, sql: str) -> None:
    result = engine.run_sql(sql)
    assert result.columns, sql
    assert result.kind in ("select", "explain", "show")


def test_everyday_expressions_and_syntax_pass_the_guard_and_run(make_pg_db) -> None:
    plain = connect(resolve(make_pg_db("")), LIMITS)  # no user functions here: nothing shadows a built-in
    failures = {}
    try:
        statements = [f"SELECT {expression} FROM pg_class c" for expression in PG_LEGIT_EXPRESSIONS]
        for sql in statements + [fill(sql) for sql in PG_LEGIT_SYNTAX]:
            try:
                plain.run_sql(sql, max_rows=1)
            except (GuardRefusal, DatabaseError) as exc:
                failures[sql] = str(exc)
    finally:
        plain.close()
    assert failures == {}


@pytest.mark.parametrize("engine_name", ["postgres", "mysql"])
def test_analytical_workload_passes_both_guards(engine_name: str) -> None:
    for sql in WORKLOAD_QUERIES:
        assert check(sql, engine_name).kind == "select"
        assert check(f"EXPLAIN {sql}", engine_name).kind == "explain"


def test_guarded_statement_says_what_it_is() -> None:
    assert check("SHOW work_mem", "postgres").kind == "show"
    plain = check("EXPLAIN (FORMAT JSON) SELECT 1", "postgres")
    analyzed = check("EXPLAIN (ANALYZE, FORMAT JSON) SELECT 1", "postgres")
    assert (plain.kind, plain.executes_inner) == ("explain", False)
    assert (analyzed.kind, analyzed.executes_inner) == ("explain", True)
    # pg_catalog-qualified calls cannot be shadowed; `t.v` might be v(t), so the executor checks it too
    assert check("SELECT lower(v), pg_catalog.upper(v), t.v FROM t", "postgres").functions == ["lower", "v"]


def test_harmless_cases_change_nothing(engine: PostgresEngine, canary_dsn: str) -> None:
    before = canary_state(canary_dsn)
    outcomes = set()
    for sql in PG_HARMLESS:
        try:
            result = engine.run_sql(fill(sql, **PLACEHOLDERS))
            outcomes.add("ran")
            assert result.row_count <= engine.limits.max_rows
        except DatabaseError:
            outcomes.add("stopped by the database")
        except GuardRefusal:
            outcomes.add("refused at execution")
    assert canary_state(canary_dsn) == before
    assert outcomes == {"ran", "stopped by the database", "refused at execution"}


# ---- each database-side layer on its own (parse layer bypassed) ---------------------------------------------------

WRITES_THE_READ_ONLY_TRANSACTION_STOPS = [
    "INSERT INTO canary VALUES (99, 'x')",
    "UPDATE canary SET v = 'x'",
    "DELETE FROM canary",
    "TRUNCATE canary",
    "CREATE TABLE stolen (a int)",
    "DROP TABLE canary",
    "WITH d AS (DELETE FROM canary RETURNING *) SELECT * FROM d",
    "EXPLAIN ANALYZE DELETE FROM canary",
    "SELECT nextval('canary_seq')",
    "SELECT setval('canary_seq', 1000)",
    "SELECT canary_evil()",
]


@pytest.mark.parametrize("sql", WRITES_THE_READ_ONLY_TRANSACTION_STOPS)
def test_read_only_transaction_alone_stops_writes(engine: PostgresEngine, canary_dsn: str, sql: str) -> None:
    before = canary_state(canary_dsn)
    bypass = GuardedStatement(sql=sql, engine="postgres", kind="bypass")  # as if the parser had let it through
    with pytest.raises(DatabaseError, match="read-only transaction"):
        run_guarded(engine, bypass)
    assert canary_state(canary_dsn) == before


def test_server_alone_refuses_a_second_statement(engine: PostgresEngine, canary_dsn: str) -> None:
    before = canary_state(canary_dsn)
    for kind in ("select", "bypass"):
        bypass = GuardedStatement(sql="SELECT 1; DELETE FROM canary", engine="postgres", kind=kind)
        with pytest.raises(DatabaseError):
            run_guarded(engine, bypass)
    assert canary_state(canary_dsn) == before


def _active_statements(dsn: str, like: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE %s "
                           "AND pid <> pg_backend_pid()", [like]).fetchone()
        return int(row[0]) if row else -1


@pytest.mark.parametrize("sql", ["SELECT pg_sleep(30)", "SELECT count(*) FROM generate_series(1, 10000000000::bigint)",
                                 "SELECT count(*) FROM generate_series(1, 100000) a, generate_series(1, 100000) b"])
def test_statement_timeout_alone_stops_long_statements(engine: PostgresEngine, canary_dsn: str, sql: str) -> None:
    started = time.monotonic()
    with pytest.raises(DatabaseError, match="statement timeout"):
        run_guarded(engine, GuardedStatement(sql=sql, engine="postgres", kind="select"))
    assert time.monotonic() - started < 5
    assert _active_statements(canary_dsn, sql[:30] + "%") == 0  # nothing keeps running after dbsage returns


def test_client_watchdog_alone_cancels_what_the_server_would_let_run(canary_dsn: str, monkeypatch) -> None:
    import dbsage.tools.engines.postgres.query as postgres_query

    # Switch the server-side timeout off for this engine (session and per call): only the watchdog is left.
    engine = connect(resolve(canary_dsn), replace(LIMITS, statement_timeout_ms=500))
    engine._kwargs["options"] = engine._kwargs["options"].replace("statement_timeout=500", "statement_timeout=0")
    monkeypatch.setattr(postgres_query, "_prepare", lambda cur, timeout_ms: None)
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseError, match="canceling statement due to user request"):
            run_guarded(engine, GuardedStatement(sql="SELECT pg_sleep(20)", engine="postgres", kind="select"))
        assert time.monotonic() - started < 5  # 0.5 s + the watchdog's grace, not 20 s
        assert _active_statements(canary_dsn, "SELECT pg_sleep(20)%") == 0
    finally:
        engine.close()


def test_timeout_is_configurable(canary_dsn: str) -> None:
    fast = connect(resolve(canary_dsn), replace(LIMITS, statement_timeout_ms=300))
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseError, match="0.3 s statement timeout"):
            run_guarded(fast, GuardedStatement(sql="SELECT pg_sleep(5)", engine="postgres", kind="select"))
        assert time.monotonic() - started < 2
    finally:
        fast.close()


def test_row_cap_alone_bounds_output(engine: PostgresEngine, canary_dsn: str) -> None:
    started = time.monotonic()
    result = engine.run_sql("SELECT generate_series(1, 1000000000) AS g", max_rows=1000)
    assert result.row_count == 1000 and result.rows[-1] == [1000]
    assert result.truncated and "more than 1000 rows" in (result.truncated_reason or "")
    assert time.monotonic() - started < 3  # the server stopped producing rows when dbsage stopped fetching
    assert _active_statements(canary_dsn, "%generate_series(1, 1000000000)%") == 0


def test_byte_cap_alone_bounds_output(canary_dsn: str) -> None:
    small = connect(resolve(canary_dsn), replace(LIMITS, max_bytes=500_000))
    try:
        result = small.run_sql("SELECT repeat('x', 100000) FROM generate_series(1, 1000)")
    finally:
        small.close()
    assert 1 <= result.row_count <= 5
    assert result.truncated and "byte cap" in (result.truncated_reason or "")


def test_exact_fit_is_not_marked_truncated(engine: PostgresEngine) -> None:
    result = engine.run_sql("SELECT g FROM generate_series(1, 10) g", max_rows=10)
    assert result.row_count == 10 and not result.truncated


def test_search_path_alone_keeps_builtins_first(make_pg_db) -> None:
    dsn = make_pg_db("""
        CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql AS $$SELECT '2000-01-01'::timestamptz$$;
        DO $$BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = public, pg_catalog', current_database());
        END$$;
    """)
    engine = connect(resolve(dsn), LIMITS)
    try:
        # Shadowing check bypassed (functions=[]): only the search_path layer decides which now() runs.
        bypass = GuardedStatement(sql="SELECT extract(year FROM now())::int", engine="postgres", kind="select")
        assert run_guarded(engine, bypass).rows[0][0] > 2000
        # With every layer on, the user function named like a built-in is refused outright.
        with pytest.raises(GuardRefusal, match=r"public\.now\(\)"):
            engine.run_sql("SELECT now()")
    finally:
        engine.close()


def test_shadowing_overload_is_refused(engine: PostgresEngine) -> None:
    with pytest.raises(GuardRefusal, match=r"user-defined public\.lower\(\)"):
        engine.run_sql("SELECT lower(5)")
    assert engine.run_sql("SELECT pg_catalog.lower('A')").rows == [["a"]]


def test_user_defined_operator_is_refused(engine: PostgresEngine) -> None:
    assert check("SELECT 1 === 1", "postgres").operators == ["==="]  # the parser cannot know what === is
    for sql in ("SELECT 1 === 1", "SELECT 1 WHERE 1 === ANY (SELECT 1)",
                "SELECT g FROM generate_series(1, 3) g ORDER BY g USING ==="):
        with pytest.raises(GuardRefusal, match=r"operator public\.==="):
            engine.run_sql(sql)
    assert engine.run_sql("SELECT 1 = 1, 'a' || 'b', 'ab' LIKE 'a%'").rows == [[True, "ab", True]]


def test_cast_to_a_user_type_that_runs_code_is_refused(engine: PostgresEngine) -> None:
    for sql in ("SELECT 1::canary_dom", "SELECT CAST(1 AS public.canary_dom)",
                "SELECT * FROM pg_catalog.unnest(ARRAY[1]) AS t(a canary_dom)"):
        with pytest.raises(GuardRefusal, match="domain canary_dom"):
            engine.run_sql(sql)
    # enums and built-in types run no user code
    assert engine.run_sql("SELECT 'ok'::canary_mood, 1::int, '{}'::text[], now()::date IS NOT NULL").row_count == 1


def test_user_function_through_column_notation_is_refused(engine: PostgresEngine, canary_dsn: str) -> None:
    with psycopg.connect(canary_dsn, autocommit=True) as conn:
        conn.execute("CREATE OR REPLACE FUNCTION sneaky(c canary) RETURNS int LANGUAGE sql AS $$SELECT 1$$")
    try:
        with pytest.raises(GuardRefusal, match=r"public\.sneaky\(\)"):
            engine.run_sql("SELECT c.sneaky FROM canary c")
    finally:
        with psycopg.connect(canary_dsn, autocommit=True) as conn:
            conn.execute("DROP FUNCTION sneaky(canary)")


def test_hypothetical_indexes_do_not_outlive_a_call(engine: PostgresEngine) -> None:
    created = engine.run_sql("SELECT * FROM hypopg_create_index('CREATE INDEX ON canary (v)')")
    assert created.row_count == 1
    assert engine.run_sql("SELECT count(*) FROM hypopg_list_indexes").rows == [[0]]


def test_explain_analyze_of_a_select_runs_and_says_so(engine: PostgresEngine) -> None:
    result = engine.run_sql("EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM canary")
    assert result.executes_inner and result.kind == "explain"
    plan = result.rows[0][0][0]
    assert plan["Plan"]["Actual Rows"] == 1


def test_least_privilege_role_alone_stops_what_a_read_only_transaction_lets_through(engine: PostgresEngine,
                                                                                     canary_dsn: str) -> None:
    from urllib.parse import urlsplit

    from dbsage.tools.engines.postgres.adapter import read_only_role_sql

    parts = urlsplit(canary_dsn)
    database = parts.path.lstrip("/")
    with psycopg.connect(canary_dsn, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS dbsage_ro_guard")
        conn.execute(read_only_role_sql(database, ["public"], role="dbsage_ro_guard"))  # docs/security.md's SQL
    victim = psycopg.connect(canary_dsn)  # a superuser session
    least_dsn = parts._replace(netloc=f"dbsage_ro_guard@{parts.hostname}:{parts.port}").geturl()
    least = connect(resolve(least_dsn), LIMITS)
    try:
        assert least.run_sql("SELECT count(*) FROM canary").rows == [[3]]  # what a DBA needs still works
        assert least.run_sql("SELECT count(*) >= 0 FROM pg_stat_statements").rows == [[True]]
        for sql, denial in ((f"SELECT pg_terminate_backend({victim.info.backend_pid})", "superuser"),
                            ("SELECT pg_read_file('postgresql.conf')", "permission denied"),
                            ("SELECT * FROM pg_authid", "permission denied")):
            with pytest.raises(DatabaseError, match=denial):  # parse layer bypassed; the login itself refuses
                run_guarded(least, GuardedStatement(sql=sql, engine="postgres", kind="bypass"))
        assert victim.execute("SELECT 1").fetchone() == (1,)
    finally:
        least.close()
        victim.close()


def test_recognisable_secrets_in_results_are_masked(engine: PostgresEngine) -> None:
    result = engine.run_sql("SELECT 'postgresql://app:hunter2@db.internal/app' AS dsn, "
                            "'host=primary user=rep password=s3cret' AS conninfo, 'plain text' AS other")
    assert result.rows == [["postgresql://app:***@db.internal/app", "host=primary user=rep password=***",
                            "plain text"]]


def test_passwords_written_in_sql_text_are_masked(engine: PostgresEngine) -> None:
    # as pg_stat_activity / performance_schema / SHOW PROCESSLIST would show other sessions' statements
    texts = {
        "ALTER ROLE app PASSWORD 'hunter2'": "ALTER ROLE app PASSWORD '***'",
        "CREATE USER x IDENTIFIED BY 'pw'": "CREATE USER x IDENTIFIED BY '***'",
        "SET PASSWORD FOR u = 'pw'": "SET PASSWORD FOR u = '***'",
        "CREATE USER y IDENTIFIED WITH ed25519 AS 'hash'": "CREATE USER y IDENTIFIED WITH ed25519 AS '***'",
        "SELECT 'not a secret'": "SELECT 'not a secret'",
    }
    literals = ", ".join("'" + text.replace("'", "''") + "'" for text in texts)
    assert engine.run_sql(f"SELECT {literals}").rows == [list(texts.values())]
