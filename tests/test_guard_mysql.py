"""The MySQL/MariaDB guard, layer by layer, against a real throwaway MariaDB (as root: the worst case).

- parse layer: every adversarial case refused with a reason; every legitimate DBA query runs;
- each server-side layer on its own, parse layer bypassed: the READ ONLY transaction (the session default is READ
  ONLY too, so DDL's implicit commit does not escape it), max_statement_time, sql_select_limit + the byte cap, no
  multi-statements; and what the transaction does NOT stop (SET GLOBAL, ANALYZE TABLE, FLUSH), which is why the
  parse layer exists.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import pymysql
import pytest

from dbsage.tools.engines import SessionLimits, connect
from dbsage.tools.engines.mysql.adapter import MySQLEngine
from dbsage.tools.engines.mysql.query import run_guarded
from dbsage.tools.errors import DatabaseError, GuardRefusal
from dbsage.tools.guard import GuardedStatement, check
from dbsage.tools.targets import resolve
from guard_cases import (
    MYSQL_HARMLESS,
    MYSQL_LEGIT,
    MYSQL_LEGIT_EXPRESSIONS,
    MYSQL_LEGIT_SYNTAX,
    MYSQL_REFUSED,
    PLACEHOLDERS,
    fill,
)

CANARY = """
CREATE TABLE canary (id INT PRIMARY KEY, v VARCHAR(20));
INSERT INTO canary VALUES (1, 'a'), (2, 'b'), (3, 'c');
CREATE SEQUENCE canary_seq;
CREATE FUNCTION canary_fn() RETURNS INT DETERMINISTIC RETURN 1;
CREATE PROCEDURE canary_proc() DELETE FROM canary;
"""
LIMITS = SessionLimits(statement_timeout_ms=1_500)


def admin(dsn: str, database: str | None = None) -> pymysql.connections.Connection:
    host_port = dsn.split("@", 1)[1].split("/", 1)[0]
    host, port = host_port.split(":")
    return pymysql.connect(host=host, port=int(port), user="root", database=database or dsn.rsplit("/", 1)[1],
                           autocommit=True)


@pytest.fixture(scope="module")
def canary_dsn(make_mysql_db) -> str:
    return make_mysql_db(CANARY)


@pytest.fixture(scope="module")
def engine(canary_dsn: str) -> Iterator[MySQLEngine]:
    engine = connect(resolve(canary_dsn), LIMITS)
    assert isinstance(engine, MySQLEngine)
    yield engine
    engine.close()


def canary_state(dsn: str) -> tuple[object, ...]:
    conn = admin(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT GROUP_CONCAT(id, ':', v ORDER BY id) FROM canary")
            rows = cur.fetchone()
            cur.execute("SELECT next_not_cached_value FROM canary_seq")
            seq = cur.fetchone()
            cur.execute("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()")
            tables = cur.fetchone()
        return rows, seq, tables
    finally:
        conn.close()


# ---- parse layer --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sql", "reason"), MYSQL_REFUSED, ids=[f"refuse-{i}" for i in range(len(MYSQL_REFUSED))])
def test_parse_layer_refuses_with_a_reason(sql: str, reason: str) -> None:
    with pytest.raises(GuardRefusal) as refused:
        check(fill(sql, **PLACEHOLDERS), "mysql")
    assert reason in refused.value.message
    assert refused.value.message.strip()


@pytest.mark.parametrize("sql", MYSQL_LEGIT, ids=[f"legit-{i}" for i in range(len(MYSQL_LEGIT))])
def test_legitimate_dba_queries_run(engine: MySQLEngine, sql: str) -> None:
    result = engine.run_sql(fill(sql))
    assert result.columns, sql


# Checked by the guard only: MySQL syntax MariaDB lacks, or a FULLTEXT index this fixture does not have.
GUARD_ONLY = {"ANY_VALUE(1)", "-> '$.a'", "AGAINST ('x')"}


def test_everyday_expressions_and_syntax_pass_the_guard_and_run(engine: MySQLEngine) -> None:
    failures = {}
    statements = [f"SELECT {expression} FROM information_schema.TABLES" for expression in MYSQL_LEGIT_EXPRESSIONS]
    for sql in statements + [fill(sql) for sql in MYSQL_LEGIT_SYNTAX]:
        try:
            check(sql, "mysql")
            if not any(only in sql for only in GUARD_ONLY):
                engine.run_sql(sql, max_rows=1)
        except (GuardRefusal, DatabaseError) as exc:
            failures[sql] = str(exc)
    assert failures == {}


def test_statement_kinds() -> None:
    assert check("SHOW PROCESSLIST", "mysql").kind == "show"
    assert check("DESCRIBE canary", "mysql").kind == "describe"
    analyze = check("ANALYZE FORMAT=JSON SELECT 1", "mysql")
    assert (analyze.kind, analyze.executes_inner) == ("analyze", True)
    explain = check("EXPLAIN UPDATE canary SET v = 'x'", "mysql")
    assert (explain.kind, explain.executes_inner) == ("explain", False)


def test_harmless_cases_change_nothing(engine: MySQLEngine, canary_dsn: str) -> None:
    before = canary_state(canary_dsn)
    outcomes = set()
    for sql in MYSQL_HARMLESS:
        try:
            result = engine.run_sql(sql)
            outcomes.add("ran")
            assert result.row_count <= engine.limits.max_rows
        except DatabaseError:
            outcomes.add("stopped by the server")
    assert canary_state(canary_dsn) == before
    assert outcomes == {"ran", "stopped by the server"}


# ---- each server-side layer on its own (parse layer bypassed) -----------------------------------------------------

@pytest.mark.parametrize("sql", [
    "INSERT INTO canary VALUES (99, 'x')", "UPDATE canary SET v = 'x'", "DELETE FROM canary",
    "REPLACE INTO canary VALUES (1, 'x')", "SELECT NEXTVAL(canary_seq)", "SELECT NEXT VALUE FOR canary_seq",
    "SELECT SETVAL(canary_seq, 100)", "ANALYZE DELETE FROM canary", "CREATE TABLE scratch (a INT)",
    "DROP TABLE canary", "TRUNCATE canary", "CREATE USER intruder", "LOCK TABLES canary WRITE",
])
def test_read_only_transaction_alone_stops_writes(engine: MySQLEngine, canary_dsn: str, sql: str) -> None:
    before = canary_state(canary_dsn)
    with pytest.raises(DatabaseError, match="READ ONLY transaction"):
        run_guarded(engine, GuardedStatement(sql=sql, engine="mysql", kind="bypass"))
    assert canary_state(canary_dsn) == before


@pytest.mark.parametrize("sql", [
    "ANALYZE TABLE canary", "SET GLOBAL max_connections = @@global.max_connections", "FLUSH STATUS",
])
def test_read_only_transaction_does_not_stop_these_so_the_parse_layer_must(engine: MySQLEngine, sql: str) -> None:
    # Statements MariaDB runs inside a READ ONLY transaction (chosen here to be harmless on a throwaway server):
    # the database layer alone is not a guard, the parse layer refuses them.
    with pytest.raises(GuardRefusal):
        check(sql, "mysql")
    run_guarded(engine, GuardedStatement(sql=sql, engine="mysql", kind="bypass"))


def test_server_alone_refuses_a_second_statement(engine: MySQLEngine, canary_dsn: str) -> None:
    before = canary_state(canary_dsn)
    with pytest.raises(DatabaseError, match="1064"):
        run_guarded(engine, GuardedStatement(sql="SELECT 1; DELETE FROM canary", engine="mysql", kind="bypass"))
    assert canary_state(canary_dsn) == before


@pytest.mark.parametrize("sql", [
    "SELECT SLEEP(30)",
    "SELECT COUNT(*) FROM seq_1_to_100000 a, seq_1_to_100000 b WHERE a.seq + b.seq = 3",
    "SELECT MAX(SHA2(CONCAT(a.seq, b.seq), 512)) FROM seq_1_to_10000 a, seq_1_to_10000 b",
])
def test_statement_time_limit_alone_stops_long_statements(engine: MySQLEngine, canary_dsn: str, sql: str) -> None:
    started = time.monotonic()
    with pytest.raises(DatabaseError, match="time limit"):
        run_guarded(engine, GuardedStatement(sql=sql, engine="mysql", kind="select"))
    assert time.monotonic() - started < 5
    conn = admin(canary_dsn)
    try:
        with conn.cursor() as cur:  # nothing keeps running after dbsage returns
            cur.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND INFO = %s",
                        [sql])
            assert cur.fetchone() == (0,)
    finally:
        conn.close()


def test_row_cap_alone_bounds_output(engine: MySQLEngine) -> None:
    started = time.monotonic()
    result = engine.run_sql("SELECT seq FROM seq_1_to_1000000000", max_rows=1000)
    assert result.row_count == 1000 and result.rows[-1] == [1000]
    assert result.truncated and "more than 1000 rows" in (result.truncated_reason or "")
    assert time.monotonic() - started < 3


def test_byte_cap_alone_bounds_output(canary_dsn: str) -> None:
    small = connect(resolve(canary_dsn), replace(LIMITS, max_bytes=500_000))
    try:
        result = small.run_sql("SELECT REPEAT('x', 100000) FROM seq_1_to_1000")
    finally:
        small.close()
    assert 1 <= result.row_count <= 5
    assert result.truncated and "byte cap" in (result.truncated_reason or "")


def test_select_limit_does_not_leak_into_the_pooled_connection(engine: MySQLEngine) -> None:
    engine.run_sql("SELECT seq FROM seq_1_to_100", max_rows=2)
    with engine.connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT @@sql_select_limit AS limit_now")
        assert cur.fetchone()["limit_now"] > 10**9


def test_unqualified_secret_table_refused_when_the_session_is_in_mysql(canary_dsn: str) -> None:
    in_mysql = connect(resolve(canary_dsn.rsplit("/", 1)[0] + "/mysql"), LIMITS)
    try:
        with pytest.raises(GuardRefusal, match="password hashes"):
            in_mysql.run_sql("SELECT * FROM user")
        assert in_mysql.run_sql("SELECT COUNT(*) FROM innodb_table_stats").row_count == 1
    finally:
        in_mysql.close()


def test_backslash_is_refused_when_the_server_reads_it_differently(engine: MySQLEngine) -> None:
    tricky = "SELECT 'it\\'s'"  # SQL text: SELECT 'it\'s'
    assert engine.run_sql(tricky).rows == [["it's"]]
    with engine.connection() as conn, conn.cursor() as cur:
        cur.execute("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')")
    try:
        with pytest.raises(GuardRefusal, match="NO_BACKSLASH_ESCAPES"):
            engine.run_sql(tricky)
        assert engine.run_sql("SELECT 'no backslash here'").row_count == 1
    finally:
        with engine.connection() as conn, conn.cursor() as cur:
            cur.execute("SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '')")


# MariaDB's own list of its built-in functions, minus these deliberate refusals, must all pass the allow-list.
DELIBERATELY_REFUSED = {
    "sleep", "benchmark", "get_lock", "release_lock", "release_all_locks", "is_free_lock", "is_used_lock",
    "load_file", "master_pos_wait", "master_gtid_wait", "wsrep_last_seen_gtid", "wsrep_last_written_gtid",
    "wsrep_sync_wait_upto_gtid", "last_insert_id", "password", "old_password", "encrypt", "encode", "decode",
    "aes_decrypt", "des_decrypt", "des_encrypt",
    # Oracle-mode internal spellings, not called by name
    "concat_operator_oracle", "decode_oracle", "lpad_oracle", "ltrim_oracle", "replace_oracle", "rpad_oracle",
    "rtrim_oracle", "substr_oracle", "trim_oracle",
}


def test_every_mariadb_builtin_is_allowed_unless_deliberately_refused(canary_dsn: str) -> None:
    from dbsage.tools.guard.functions import mysql_function_verdict

    conn = admin(canary_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT LOWER(FUNCTION) FROM information_schema.SQL_FUNCTIONS")
            builtins = {row[0] for row in cur.fetchall()}
    finally:
        conn.close()
    assert len(builtins) > 200
    refused = {name for name in builtins if mysql_function_verdict(name) is not None}
    assert refused <= DELIBERATELY_REFUSED, sorted(refused - DELIBERATELY_REFUSED)
    assert {"sleep", "get_lock", "load_file", "benchmark"} <= refused
