"""Guarded execution on MySQL/MariaDB: run one statement the guard accepted, inside every database-side limit.

MySQLEngine.connection() gives a session that is READ ONLY by default, inside a READ ONLY transaction, with the
server-side statement time limit and lock-wait limits, rolled back after the call. Per call we add
`sql_select_limit` (the server itself stops producing rows past the cap) and read through an unbuffered cursor, so
neither the server nor dbsage holds more than the caps allow. The connection has no CLIENT.MULTI_STATEMENTS: the
server refuses a second statement hidden in the text.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pymysql
import pymysql.cursors

from dbsage.tools.engines.mysql.reads import refuse_view_code
from dbsage.tools.errors import ConnectionLost, DatabaseError, GuardRefusal, StatementTimeout
from dbsage.tools.guard import GuardedStatement, check
from dbsage.tools.guard.functions import MYSQL_SECRET_TABLES
from dbsage.tools.guard.mysql import refuse_secret_table
from dbsage.tools.query_result import QueryResult, RowCollector
from dbsage.tools.redact import redact

if TYPE_CHECKING:
    from dbsage.tools.engines.mysql.adapter import MySQLEngine

# Server error codes for "the statement ran out of time" (MariaDB max_statement_time, MySQL max_execution_time).
_TIMEOUT_ERRORS = {1969, 3024}
_LOST_ERRORS = {2006, 2013}  # client errors: "server has gone away", "lost connection during query"
_SECRET_IN_MYSQL_DB = {table for schema, table in MYSQL_SECRET_TABLES if schema == "mysql"}


_NO_DATABASE_SELECTED = 1046
_HINTS = {
    _NO_DATABASE_SELECTED: "name the database in the DSN (mysql://user@host/DBNAME) or qualify tables as db.table",
}


def run_sql(engine: MySQLEngine, sql: str, *, max_rows: int | None = None) -> QueryResult:
    """Check `sql` with the guard and run it read-only, bounded."""
    return run_guarded(engine, check(sql, "mysql"), max_rows=max_rows)


def run_guarded(engine: MySQLEngine, statement: GuardedStatement, *, max_rows: int | None = None) -> QueryResult:
    """Run an accepted statement under the session layer: read-only, time limit, caps, rollback."""
    limits = engine.limits
    collector = RowCollector(max_rows or limits.max_rows, limits.max_bytes)
    started = time.monotonic()
    with engine.connection() as conn:
        _refuse_unqualified_secrets(conn, statement)
        _refuse_backslash_ambiguity(conn, statement)
        refuse_view_code(conn, statement)
        columns = _fetch(conn, statement.sql, collector, limits.statement_timeout_ms)
    return collector.result(engine="mysql", kind=statement.kind, columns=columns, started=started,
                            executes_inner=statement.executes_inner)


def _refuse_unqualified_secrets(conn: pymysql.connections.Connection[Any], statement: GuardedStatement) -> None:
    # `SELECT * FROM user` reads mysql.user when the session's database is `mysql`; the guard cannot know that.
    unqualified = {r for r in statement.relations if "." not in r} & _SECRET_IN_MYSQL_DB
    if not unqualified:
        return
    with conn.cursor(pymysql.cursors.Cursor) as cur:
        cur.execute("SELECT DATABASE()")
        row = cur.fetchone()
    if row and str(row[0] or "").lower() == "mysql":
        refuse_secret_table("mysql", sorted(unqualified)[0])


def _refuse_backslash_ambiguity(conn: pymysql.connections.Connection[Any], statement: GuardedStatement) -> None:
    # The guard reads backslashes in strings as escapes (MySQL's default). Under sql_mode NO_BACKSLASH_ESCAPES the
    # server would end the string elsewhere and could see a different statement: refuse rather than guess.
    if "\\" not in statement.sql:
        return
    with conn.cursor(pymysql.cursors.Cursor) as cur:
        cur.execute("SELECT @@SESSION.sql_mode")
        row = cur.fetchone()
    if row and "NO_BACKSLASH_ESCAPES" in str(row[0]).upper():
        raise GuardRefusal("the server's sql_mode has NO_BACKSLASH_ESCAPES, so it reads the backslashes in this "
                           "statement differently from the guard",
                           "write the statement without backslashes (use CHAR() or doubled quotes)")


def _fetch(conn: pymysql.connections.Connection[Any], sql: str, collector: RowCollector, timeout_ms: int) -> list[str]:
    """Stream rows through an unbuffered cursor until the result ends or a cap is hit; return the column names."""
    try:
        with conn.cursor(pymysql.cursors.Cursor) as cur:
            # One past the cap, so a cut result is told apart from one that fits exactly.
            cur.execute(f"SET SESSION sql_select_limit = {int(collector.max_rows) + 1}")
        try:
            with conn.cursor(pymysql.cursors.SSCursor) as cur:
                cur.execute(sql)  # no parameters: a % in the statement stays as written
                columns = [d[0] for d in cur.description or []]
                for raw in cur:
                    if not collector.add(list(raw)):
                        break  # closing drains at most the rows sql_select_limit let through
                return columns
        finally:
            if conn.open:  # after a lost connection this would only hide the error that says so
                with conn.cursor(pymysql.cursors.Cursor) as cur:
                    cur.execute("SET SESSION sql_select_limit = DEFAULT")
                    # Defence in depth: no named lock outlives the call on a pooled connection (the guard refuses them).
                    cur.execute("DO RELEASE_ALL_LOCKS()")
    except pymysql.err.MySQLError as exc:
        code = exc.args[0] if exc.args else None
        text = redact(str(exc.args[1] if len(exc.args) > 1 else exc)).strip()
        if code in _TIMEOUT_ERRORS:
            raise StatementTimeout(f"the server stopped the statement after the {timeout_ms / 1000:g} s time limit "
                                   f"({text})", "narrow the query or raise the limit with --timeout") from None
        if code in _LOST_ERRORS:
            raise ConnectionLost(f"the connection to the server was lost during the statement ({text})",
                                 "call again: dbsage reconnects on the next call; if that fails too, the server is "
                                 "down or restarting") from None
        hint = _HINTS.get(code) if isinstance(code, int) else None
        raise DatabaseError(f"MySQL error {code}: {text}", hint) from None
