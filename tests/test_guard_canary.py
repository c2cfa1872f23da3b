"""The canary: a fresh fixture that must show no change after the whole adversarial suite has been thrown at it.

Canary tables, a sequence, server-side files and a directory, statistics, the server configuration, roles, and a
victim session holding a row lock and an advisory/named lock. Every adversarial case (PostgreSQL and MariaDB) goes
through the same entry point the CLI and the agent use (`engine.run_sql`), logged in as a superuser: refused cases
must be refused, harmless ones may run or be stopped by the database. Then every canary is compared.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pymysql
import pytest

from dbsage.tools.engines import SessionLimits, connect
from dbsage.tools.engines.postgres.query import run_guarded
from dbsage.tools.errors import DatabaseError, GuardRefusal
from dbsage.tools.guard import GuardedStatement
from dbsage.tools.targets import resolve
from guard_cases import MYSQL_HARMLESS, MYSQL_REFUSED, PG_HARMLESS, PG_REFUSED, fill

LIMITS = SessionLimits(statement_timeout_ms=1_500)

PG_CANARY = """
CREATE TABLE canary (id int PRIMARY KEY, v text);
INSERT INTO canary VALUES (1, 'a'), (2, 'b'), (3, 'c');
CREATE SEQUENCE canary_seq;
SELECT nextval('canary_seq');
CREATE MATERIALIZED VIEW canary_mv AS SELECT * FROM canary;
CREATE PROCEDURE canary_proc() LANGUAGE sql AS $$DELETE FROM canary$$;
CREATE FUNCTION canary_evil() RETURNS int LANGUAGE plpgsql AS $$BEGIN DELETE FROM canary; RETURN 1; END$$;
CREATE FUNCTION canary_evil(c canary) RETURNS int LANGUAGE plpgsql
  AS $$BEGIN PERFORM pg_catalog.pg_advisory_lock(777); RETURN 1; END$$;
SELECT count(*) FROM canary;
"""

MYSQL_CANARY = """
CREATE TABLE canary (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB;
INSERT INTO canary VALUES (1, 'a'), (2, 'b'), (3, 'c');
CREATE SEQUENCE canary_seq;
CREATE FUNCTION canary_fn() RETURNS INT DETERMINISTIC RETURN 1;
CREATE PROCEDURE canary_proc() DELETE FROM canary;
"""


@pytest.fixture(scope="module")
def canary_dir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="dbsage-canary-"))
    folder.chmod(0o777)  # the servers run as their own users: a write attempt must not fail on permissions alone
    (folder / "file").write_text("canary contents\n", encoding="utf-8")
    (folder / "file").chmod(0o666)
    yield folder
    for entry in folder.iterdir():
        entry.unlink()
    folder.rmdir()


def files_state(folder: Path) -> dict[str, str]:
    return {entry.name: hashlib.sha256(entry.read_bytes()).hexdigest() for entry in sorted(folder.iterdir())}


def _one(conn: Any, sql: str) -> Any:
    return conn.execute(sql).fetchall()


def pg_state(dsn: str, victim_pid: int) -> dict[str, Any]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return {
            "rows": _one(conn, "SELECT string_agg(id || ':' || v, ',' ORDER BY id) FROM canary"),
            "mv": _one(conn, "SELECT count(*) FROM canary_mv"),
            "sequence": _one(conn, "SELECT last_value, is_called FROM canary_seq"),
            "objects": _one(conn, "SELECT (SELECT count(*) FROM pg_class), (SELECT count(*) FROM pg_proc), "
                                  "(SELECT count(*) FROM pg_roles), (SELECT count(*) FROM pg_largeobject_metadata), "
                                  "(SELECT count(*) FROM pg_replication_slots), (SELECT count(*) FROM pg_database)"),
            "comments": _one(conn, "SELECT obj_description('canary'::regclass)"),
            "stats_reset": _one(conn, "SELECT (SELECT stats_reset FROM pg_stat_database "
                                      "WHERE datname = current_database()), "
                                      "(SELECT stats_reset FROM pg_stat_bgwriter), "
                                      "(SELECT stats_reset FROM pg_stat_statements_info)"),
            "auto_conf": _one(conn, "SELECT md5(pg_read_file('postgresql.auto.conf'))"),
            "victim": _one(conn, f"SELECT state FROM pg_stat_activity WHERE pid = {victim_pid}"),
            "victim_locks": _one(conn, f"SELECT locktype, mode, granted FROM pg_locks WHERE pid = {victim_pid} "
                                       "AND locktype IN ('advisory', 'transactionid') ORDER BY 1, 2"),
            "dbsage_locks": _one(conn, "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                                       "WHERE a.application_name = 'dbsage' AND l.locktype = 'advisory'"),
            "dbsage_active": _one(conn, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dbsage' "
                                        "AND state NOT IN ('idle')"),
        }


@pytest.fixture(scope="module")
def pg_canary(make_pg_db) -> Iterator[tuple[str, psycopg.Connection[Any], int]]:
    dsn = make_pg_db(PG_CANARY)
    victim = psycopg.connect(dsn)
    victim.execute("SELECT * FROM canary WHERE id = 1 FOR UPDATE")
    victim.execute("SELECT pg_advisory_lock(4242)")
    pid = victim.info.backend_pid
    yield dsn, victim, pid
    victim.close()


def test_postgres_canary_unchanged_after_the_whole_suite(pg_canary, canary_dir: Path) -> None:
    dsn, victim, pid = pg_canary
    values = {"victim_pid": pid, "canary_file": canary_dir / "file", "canary_dir": canary_dir, "db": "canary"}
    before, files_before = pg_state(dsn, pid), files_state(canary_dir)
    assert before["victim_locks"] and before["victim"] == [("idle in transaction",)]
    engine = connect(resolve(dsn), LIMITS)
    try:
        for sql, _ in PG_REFUSED:
            with pytest.raises(GuardRefusal):
                engine.run_sql(fill(sql, **values))
        for sql in PG_HARMLESS:
            # may run, be stopped by the timeout, or be refused by the execution-time shadowing check
            with contextlib.suppress(DatabaseError, GuardRefusal):
                engine.run_sql(fill(sql, **values))
    finally:
        engine.close()
    assert pg_state(dsn, pid) == before
    assert files_state(canary_dir) == files_before
    assert victim.execute("SELECT 1").fetchone() == (1,)  # the victim's session and transaction are alive


def test_canary_sees_what_the_database_layer_alone_lets_through(make_pg_db, canary_dir: Path) -> None:
    # The canary is sensitive: with the parse layer bypassed, a READ ONLY transaction still lets pg_terminate_backend
    # and an advisory lock through (FIELD-NOTES), and the snapshot notices the victim is gone.
    dsn = make_pg_db(PG_CANARY)
    victim = psycopg.connect(dsn)
    victim.execute("SELECT pg_advisory_lock(4242)")
    pid = victim.info.backend_pid
    before = pg_state(dsn, pid)
    engine = connect(resolve(dsn), LIMITS)
    try:
        run_guarded(engine, GuardedStatement(sql=f"SELECT pg_terminate_backend({pid})", engine="postgres",
                                             kind="bypass"))
        with engine.connection() as conn:
            conn.execute("SELECT pg_advisory_lock(777)")
            held = pg_state(dsn, pid)["dbsage_locks"]
        after = pg_state(dsn, pid)
    finally:
        engine.close()
        victim.close()
    assert after["victim"] == [] and before["victim"] != []
    # ...while the advisory lock did not outlive the call: the pool's reset releases it (the reset layer).
    assert held == [(1,)] and after["dbsage_locks"] == [(0,)]


def mysql_admin(dsn: str) -> pymysql.connections.Connection:
    host_port = dsn.split("@", 1)[1].split("/", 1)[0]
    host, port = host_port.split(":")
    return pymysql.connect(host=host, port=int(port), user="root", database=dsn.rsplit("/", 1)[1], autocommit=True)


def mysql_state(dsn: str, victim_id: int) -> dict[str, Any]:
    queries = {
        "rows": "SELECT GROUP_CONCAT(id, ':', v ORDER BY id) FROM canary",
        "sequence": "SELECT next_not_cached_value FROM canary_seq",
        "objects": "SELECT (SELECT COUNT(*) FROM information_schema.TABLES), "
                   "(SELECT COUNT(*) FROM information_schema.ROUTINES), (SELECT COUNT(*) FROM mysql.user), "
                   "(SELECT COUNT(*) FROM information_schema.SCHEMATA)",
        "globals": "SELECT @@global.max_connections, @@global.read_only, @@global.general_log, "
                   "@@global.max_statement_time",
        "named_lock": "SELECT IS_USED_LOCK('canary_lock')",
        "victim_trx": f"SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = {victim_id}",
        "victim_alive": f"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = {victim_id}",
        "dbsage_running": "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' "
                          "AND ID <> CONNECTION_ID()",
    }
    conn = mysql_admin(dsn)
    try:
        with conn.cursor() as cur:
            state = {}
            for name, sql in queries.items():
                cur.execute(sql)
                state[name] = cur.fetchall()
            return state
    finally:
        conn.close()


@pytest.fixture(scope="module")
def mysql_canary(make_mysql_db) -> Iterator[tuple[str, pymysql.connections.Connection, int]]:
    dsn = make_mysql_db(MYSQL_CANARY)
    victim = mysql_admin(dsn)
    with victim.cursor() as cur:
        cur.execute("START TRANSACTION")
        cur.execute("SELECT * FROM canary WHERE id = 1 FOR UPDATE")
        cur.execute("SELECT GET_LOCK('canary_lock', 0)")
        cur.execute("SELECT CONNECTION_ID()")
        (victim_id,) = cur.fetchone()
    yield dsn, victim, int(victim_id)
    victim.close()


def test_mariadb_canary_unchanged_after_the_whole_suite(mysql_canary, canary_dir: Path) -> None:
    dsn, victim, victim_id = mysql_canary
    values = {"victim_pid": victim_id, "canary_file": canary_dir / "file", "canary_dir": canary_dir,
              "db": dsn.rsplit("/", 1)[1]}
    before, files_before = mysql_state(dsn, victim_id), files_state(canary_dir)
    assert before["named_lock"] == ((victim_id,),) and before["victim_trx"] == ((1,),)
    engine = connect(resolve(dsn), LIMITS)
    try:
        for sql, _ in MYSQL_REFUSED:
            with pytest.raises(GuardRefusal):
                engine.run_sql(fill(sql, **values))
        for sql in MYSQL_HARMLESS:
            with contextlib.suppress(DatabaseError):  # may run, or be stopped by max_statement_time
                engine.run_sql(fill(sql, **values))
    finally:
        engine.close()
    assert mysql_state(dsn, victim_id) == before
    assert files_state(canary_dir) == files_before
    assert not os.path.exists("/tmp/dbsage_out") and not os.path.exists("/tmp/dbsage_dump")
    with victim.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)
