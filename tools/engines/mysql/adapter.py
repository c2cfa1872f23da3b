"""MySQL / MariaDB adapter (pymysql).

Every session is named `dbsage` (connect attribute program_name), has connect/read/write timeouts, runs each call
in a READ ONLY transaction (and the session's default transaction mode is READ ONLY too), has a server-side statement
time limit (MariaDB `max_statement_time`, seconds; MySQL `max_execution_time`, ms — detected from the version) and
lock wait limits, and is rolled back after every call. Note (FIELD-NOTES): a READ ONLY transaction does not stop DDL
on MariaDB, which commits implicitly; the guard is what keeps DDL out.

The catalog SQL lives in tools/sql/mysql_*.sql; grouping rows into the schema model is in mysql_catalog.py and
reading SHOW GRANTS in mysql_grants.py (pure functions, tested without a server).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pymysql
import pymysql.cursors

from dbsage.tools.capabilities import Capability, LoginReport, ServerReport
from dbsage.tools.engines.base import EngineBase, SessionLimits
from dbsage.tools.engines.mysql.catalog import assemble
from dbsage.tools.engines.mysql.dsn import connect_kwargs
from dbsage.tools.engines.mysql.grants import read_only_user_sql, summarise_grants
from dbsage.tools.engines.mysql.sqlfiles import load as _sql
from dbsage.tools.errors import (
    CapabilityMissing,
    ConnectionLost,
    DatabaseError,
    DbsageError,
    TargetUnreachable,
    UsageError,
)
from dbsage.tools.query_result import QueryResult
from dbsage.tools.redact import redact, redact_dsn
from dbsage.tools.schema import SchemaSnapshot
from dbsage.tools.targets import Target

if TYPE_CHECKING:
    from dbsage.tools.activity import ActivityReport
    from dbsage.tools.advisor.backend import WhatIfBackend
    from dbsage.tools.advisor.report import AdviceReport
    from dbsage.tools.advisor.workload import WorkloadStatement
    from dbsage.tools.checks import CheckReport, Thresholds
    from dbsage.tools.explain import ExplainResult
    from dbsage.tools.top import TopReport

SYSTEM_SCHEMAS = ("mysql", "information_schema", "performance_schema", "sys")
# Errors that mean "you may not read this" or "this server has no such table": optional facts become unknown.
_OPTIONAL_ERRORS = {1044, 1142, 1143, 1146, 1109, 1227}
_MAX_IDLE = 4


def session_statements(limits: SessionLimits, mariadb: bool) -> list[str]:
    """Session settings applied right after login; the server enforces them, whatever runs later."""
    lock_s = max(1, math.ceil(limits.lock_timeout_ms / 1000))  # both lock waits take whole seconds
    statements = [
        "SET SESSION TRANSACTION READ ONLY",
        f"SET SESSION lock_wait_timeout = {lock_s}",
        f"SET SESSION innodb_lock_wait_timeout = {lock_s}",
    ]
    if mariadb:
        statements += [
            f"SET SESSION max_statement_time = {limits.statement_timeout_ms / 1000:g}",
            f"SET SESSION idle_transaction_timeout = {max(1, math.ceil(limits.idle_in_transaction_timeout_ms / 1000))}",
        ]
    else:
        statements.append(f"SET SESSION max_execution_time = {limits.statement_timeout_ms}")
    return statements


@dataclass(frozen=True)
class ServerFlavour:
    version: str
    mariadb: bool

    @property
    def product(self) -> str:
        return "MariaDB" if self.mariadb else "MySQL"

    @property
    def number(self) -> tuple[int, ...]:
        head = self.version.split("-")[0]
        return tuple(int(p) for p in head.split(".") if p.isdigit())


class MySQLEngine(EngineBase):
    name = "mysql"

    def __init__(self, target: Target, limits: SessionLimits) -> None:
        self.target = target
        self.limits = limits
        self._kwargs = connect_kwargs(target.dsn, limits)
        self._idle: list[pymysql.connections.Connection[Any]] = []
        self._lock = threading.Lock()
        self.flavour: ServerFlavour | None = None

    # -- connections ---------------------------------------------------------------------------------------------

    def _open(self) -> pymysql.connections.Connection[Any]:
        try:
            conn = pymysql.connect(**self._kwargs)
        except pymysql.err.MySQLError as exc:
            raise TargetUnreachable(
                f"cannot connect to {self.target.display}: {redact_dsn(str(exc), self.target.dsn).strip()}",
                "check the server is running and the DSN (--db or DBSAGE_DB) has the right host, port, user and "
                "database",
            ) from None
        try:
            with conn.cursor() as cur:
                if self.flavour is None:
                    cur.execute("SELECT VERSION() AS version")
                    version = str(cur.fetchone()["version"])
                    self.flavour = ServerFlavour(version=version, mariadb="mariadb" in version.lower())
                for statement in session_statements(self.limits, self.flavour.mariadb):
                    cur.execute(statement)
        except pymysql.err.MySQLError as exc:
            conn.close()
            raise DatabaseError(f"could not set up a read-only session: {redact(str(exc)).strip()}",
                                "dbsage needs MySQL 5.7.8+ or MariaDB 10.3+ (session time limits); check the "
                                "server's version with SELECT VERSION()") from None
        return conn

    def _acquire(self) -> pymysql.connections.Connection[Any]:
        with self._lock:
            while self._idle:
                conn = self._idle.pop()
                if conn.open:
                    return conn
        return self._open()

    def _release(self, conn: pymysql.connections.Connection[Any], healthy: bool) -> None:
        with self._lock:
            if healthy and conn.open and len(self._idle) < _MAX_IDLE:
                self._idle.append(conn)
                return
        conn.close()

    def _begin(self) -> pymysql.connections.Connection[Any]:
        """A connection inside a fresh READ ONLY transaction. An idle one the server dropped (restart, KILL,
        wait_timeout) still looks open here: it fails to begin, and the next idle or a new one is taken instead."""
        while True:
            reused = bool(self._idle)
            conn = self._acquire()
            try:
                with conn.cursor() as cur:
                    cur.execute("START TRANSACTION READ ONLY")
                return conn
            except pymysql.err.MySQLError as exc:
                conn.close()
                if not reused:
                    raise ConnectionLost(f"the connection to {self.target.display} was lost: "
                                         f"{redact(str(exc)).strip()[:300]}",
                                         "call again; if that fails too, the server is down or restarting") from None

    @contextmanager
    def connection(self) -> Iterator[pymysql.connections.Connection[Any]]:
        """A connection inside a READ ONLY transaction that is always rolled back (DictCursor rows)."""
        conn = self._begin()
        healthy = True
        try:
            yield conn
        except DbsageError as error:  # a statement that failed because the connection broke says so
            if conn.open or isinstance(error, ConnectionLost):
                raise
            raise ConnectionLost(f"the connection to {self.target.display} was lost during the call "
                                 f"({error.message.strip()[:300]})",
                                 "call again: dbsage reconnects on the next call; if that fails too, the server is "
                                 "down or restarting") from error
        finally:
            try:
                conn.rollback()
            except pymysql.err.MySQLError:
                healthy = False  # a broken connection is dropped, never handed out again
            self._release(conn, healthy)

    def run(self, statement: str | dict[str, Any], *, max_rows: int | None = None) -> QueryResult:
        """The protocol's `run`: SQL text (run_sql)."""
        if not isinstance(statement, str):
            raise UsageError("a MySQL/MariaDB target takes SQL text", "pass one statement, e.g. SELECT 1")
        return self.run_sql(statement, max_rows=max_rows)

    def run_sql(self, sql: str, *, max_rows: int | None = None) -> QueryResult:
        """One statement through the read-only guard, then run read-only with time limit and caps (mysql_query)."""
        from dbsage.tools.engines.mysql.query import run_sql

        return run_sql(self, sql, max_rows=max_rows)

    # -- diagnosis (each in its own module of this folder) ---------------------------------------------------------

    def explain(self, statement: str, analyze: bool = False) -> ExplainResult:
        """EXPLAIN FORMAT=JSON (MariaDB ANALYZE FORMAT=JSON / MySQL 8 EXPLAIN ANALYZE with `analyze`) + insights."""
        from dbsage.tools.engines.mysql.explain import explain_statement

        return explain_statement(self, statement, run=analyze)

    def top_statements(self, sort: str = "total", limit: int = 20, include_utility: bool = False) -> TopReport:
        """performance_schema's statement digests; CapabilityMissing with the steps when it is off. Session
        housekeeping (SET, SHOW, transaction control, EXPLAIN/ANALYZE) is always left out of the digests read here,
        so `include_utility` changes nothing on MySQL/MariaDB."""
        from dbsage.tools.engines.mysql.top import to_top_report, top_statements

        return to_top_report(top_statements(self, sort=sort, limit=limit))

    def checks(self, thresholds: Thresholds | None = None) -> CheckReport:
        from dbsage.tools.engines.mysql.checks import run_checks

        return run_checks(self, thresholds)

    def activity(self, limit: int = 50) -> ActivityReport:
        """Sessions busy now, row-lock waits (who blocks whom), idle in transaction (mysql/activity.py)."""
        from dbsage.tools.engines.mysql.activity import activity

        return activity(self, limit)

    def what_if(self) -> AbstractContextManager[WhatIfBackend]:
        raise CapabilityMissing("MySQL and MariaDB have no hypothetical indexes",
                                "dbsage advise verifies candidates on a scratch copy instead: "
                                "--scratch mysql://user@host/scratch_db")

    def advise_workload(self, statements: list[WorkloadStatement] | None, options: Any,
                        progress: Any = None) -> AdviceReport:
        """Index advice without hypothetical indexes: verified on options.scratch, else labelled heuristic."""
        from dbsage.tools.engines.mysql.advise import advise_workload

        return advise_workload(self, statements, options, progress)

    def catalog_query(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run dbsage's own read-only SQL (not user input) and return dict rows."""
        with self.connection() as conn, conn.cursor() as cur:
            return _fetch(cur, sql, params)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    # -- introspection -------------------------------------------------------------------------------------------

    @property
    def database(self) -> str | None:
        """The database named in the DSN; None means every user schema is in scope."""
        return self._kwargs["database"]

    def _scope(self, cur: Any, object_name: str | None) -> tuple[list[str], str | None]:
        schema, _, table = (object_name or "").rpartition(".")
        if schema:
            return [schema], table
        if self.database:
            return [self.database], table or None
        rows = _fetch(cur, "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA "
                           "WHERE SCHEMA_NAME NOT IN %(system)s ORDER BY SCHEMA_NAME", {"system": SYSTEM_SCHEMAS})
        return [r["name"] for r in rows], table or None

    def introspect(self, object_name: str | None = None) -> SchemaSnapshot:
        snapshot = SchemaSnapshot(engine=self.name, target=self.target.display,
                                  database=self.database or "(all databases)")
        with self.connection() as conn, conn.cursor() as cur:
            schemas, table = self._scope(cur, object_name)
            if not schemas:
                return snapshot
            params = {"schemas": schemas, "table": table}
            mariadb = bool(self.flavour and self.flavour.mariadb)
            performance_schema = bool(_fetch(cur, "SELECT @@performance_schema AS on_")[0]["on_"])
            sizes = _optional(cur, _sql("index_sizes"), params)
            usage = _optional(cur, _sql("index_usage"), params) if performance_schema else None
            snapshot.tables = assemble(
                _fetch(cur, _sql("relations"), params),
                _fetch(cur, _sql("columns"), params),
                _fetch(cur, _sql("key_constraints"), params),
                _fetch(cur, _sql("fk_rules"), params),
                _optional(cur, _sql("checks_mariadb" if mariadb else "checks_mysql"), params) or [],
                _fetch(cur, _sql("indexes"), params),
                index_sizes={(r["schema"], r["table"], r["name"]): int(r["size_bytes"]) for r in sizes or []},
                index_usage=None if usage is None else {
                    (r["schema"], r["table"], r["name"]): int(r["read_count"]) for r in usage},
                mariadb=mariadb,
            )
        return snapshot

    # -- capabilities --------------------------------------------------------------------------------------------

    def server_report(self) -> ServerReport:
        with self.connection() as conn, conn.cursor() as cur:
            facts = _fetch(cur, _sql("capabilities"))[0]
            consumers = _optional(cur, "SELECT NAME AS name, ENABLED AS enabled "
                                       "FROM performance_schema.setup_consumers")
            grants = [next(iter(row.values())) for row in _fetch(cur, "SHOW GRANTS")]
        assert self.flavour is not None  # set by the first connection
        head = self.flavour.version.split("-")[0]
        comment = f" ({facts['version_comment']})" if facts["version_comment"] else ""
        return ServerReport(
            engine=self.name,
            target=self.target.display,
            version=f"{self.flavour.product} {head}{comment}",
            capabilities=capabilities(facts, consumers, self.flavour.mariadb),
            login=login_report(str(facts["login"]), grants, self.database or facts["db"]),
        )


def _fetch(cur: Any, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    try:
        cur.execute(sql, params)  # our SQL, from tools/sql or literals; values go as parameters
        return list(cur.fetchall()) if cur.description else []
    except pymysql.err.MySQLError as exc:
        raise DatabaseError(f"MySQL error: {redact(str(exc)).strip()}") from None


def _optional(cur: Any, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]] | None:
    """Rows, or None when the login may not read them or the server lacks the table (a fact becomes unknown)."""
    try:
        cur.execute(sql, params)
        return list(cur.fetchall())
    except pymysql.err.MySQLError as exc:
        if exc.args and exc.args[0] in _OPTIONAL_ERRORS:
            return None
        raise DatabaseError(f"MySQL error: {redact(str(exc)).strip()}") from None


def capabilities(facts: dict[str, Any], consumers: list[dict[str, Any]] | None, mariadb: bool) -> list[Capability]:
    """What the server offers dbsage, each with the fix when it is missing."""
    ps_on = bool(facts["performance_schema"])
    return [
        Capability(
            name="performance_schema",
            available=ps_on,
            detail=f"performance_schema = {'ON' if ps_on else 'OFF'}",
            fix=None if ps_on else "add performance_schema=ON under [mysqld] in my.cnf and restart the server "
            "(it cannot be switched on at run time)",
        ),
        _digest_capability(ps_on, bool(facts["digest_table"]), consumers),
        Capability(
            name="sys_schema",
            available=bool(facts["sys_schema"]),
            detail="sys schema present" if facts["sys_schema"] else "no sys schema",
            fix=None if facts["sys_schema"] else (
                "run mariadb-upgrade (MariaDB 10.6+ installs the sys schema)" if mariadb
                else "run mysql_upgrade, or load sys_schema.sql from the mysql-sys project"),
        ),
        _slow_log_capability(facts),
    ]


_DIGEST_CONSUMERS = ("global_instrumentation", "thread_instrumentation", "statements_digest")


def _digest_capability(ps_on: bool, table: bool, consumers: list[dict[str, Any]] | None) -> Capability:
    name = "statements_digest"
    if not ps_on:
        return Capability(name=name, available=False, detail="needs performance_schema",
                          fix="turn performance_schema on first (see above)")
    if not table:
        return Capability(name=name, available=False, detail="events_statements_summary_by_digest is missing",
                          fix="upgrade the server (MySQL 5.6+ / MariaDB 10.0+ have the digest table)")
    if consumers is None:
        return Capability(name=name, available=None, detail="cannot read performance_schema.setup_consumers",
                          fix="GRANT SELECT ON performance_schema.* to this login")
    enabled = {r["name"]: r["enabled"] == "YES" for r in consumers}
    off = [c for c in _DIGEST_CONSUMERS if not enabled.get(c)]
    if not off:
        return Capability(name=name, available=True, detail="digest table present; consumers enabled")
    listed = ", ".join(f"'{c}'" for c in off)
    return Capability(
        name=name, available=False, detail=f"consumers disabled: {', '.join(off)}",
        fix=f"UPDATE performance_schema.setup_consumers SET ENABLED = 'YES' WHERE NAME IN ({listed}); "
        "to keep it after a restart add performance-schema-consumer-statements-digest=ON to my.cnf",
    )


def _slow_log_capability(facts: dict[str, Any]) -> Capability:
    on = bool(facts["slow_query_log"])
    return Capability(
        name="slow_query_log",
        available=on,
        detail=f"slow_query_log = {'ON' if on else 'OFF'}, long_query_time = {float(facts['long_query_time']):g} s, "
        f"log_output = {facts['log_output']}",
        fix=None if on else "SET GLOBAL slow_query_log = ON; SET GLOBAL long_query_time = 0.5; "
        "(and slow_query_log=ON, long_query_time=0.5 in my.cnf to keep it)",
    )


def login_report(user: str, grants: list[str], database: str | None) -> LoginReport:
    """Superuser / write privileges from SHOW GRANTS, with warnings and the read-only user recipe."""
    summary = summarise_grants(grants)
    can_write: bool | None = summary.superuser or bool(summary.write_privileges)
    if not can_write and summary.roles:
        can_write = None  # privileges held through roles are not listed by SHOW GRANTS
    report = LoginReport(user=user, superuser=summary.superuser, can_write=can_write,
                         write_privileges=summary.write_privileges, read_only_role_sql=read_only_user_sql(database))
    if summary.superuser:
        report.warnings.append(
            f"{user} has ALL PRIVILEGES/SUPER: the agent should log in as a read-only user (SQL below)")
    elif can_write:
        report.warnings.append(f"{user} can change data ({'; '.join(summary.write_privileges[:2])}…): "
                               "prefer a read-only user")
    elif can_write is None:
        report.warnings.append(f"{user} holds roles ({', '.join(summary.roles)}) whose privileges are not shown "
                               "here: check them with SHOW GRANTS FOR <role>")
    return report
