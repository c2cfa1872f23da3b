"""The connection pool's size and what its failures mean.

- Size: what the front end asks for (`SessionLimits.pool_size`: a CLI command few, an MCP server serving concurrent
  callers more), but never more than a quarter of the slots the server has free (max_connections, minus the
  reserved ones, minus the connections in use when dbsage connects): dbsage must not crowd the application out.
- A connection the server dropped while idle (restart, pg_terminate_backend) is found by the pool's check on
  checkout and replaced: the call goes on. One dropped during a call fails that call as ConnectionLost (the next
  call reconnects), never as a driver exception.
- A statement the server stopped at dbsage's statement timeout is a StatementTimeout.
- A call that waited for a free connection says so in its error; a wait that ran out is PoolExhausted, with how many
  connections there are and how long it waited — not a guess about max_connections.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import errors

from dbsage.tools.errors import ConnectionLost, DatabaseError, DbsageError, PoolExhausted, StatementTimeout

WAITED_NOTE_S = 0.5  # a call that waited longer than this for a connection says so when it fails
_SLOTS_SQL = """
SELECT current_setting('max_connections')::int AS max_connections,
       current_setting('superuser_reserved_connections')::int
         + coalesce(current_setting('reserved_connections', true)::int, 0) AS reserved,
       (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int AS in_use
"""


def pool_size(conn: psycopg.Connection[Any], wanted: int) -> int:
    """`wanted`, bounded by a quarter of the server's free connection slots (at least 1)."""
    try:
        try:  # like every pooled session (adapter._configure): dbsage's own reads stay out of `dbsage top`
            conn.execute("SET pg_stat_statements.track = 'none'")
        except psycopg.Error:
            conn.rollback()
        row = conn.execute(_SLOTS_SQL).fetchone()
    except psycopg.Error:
        return max(1, min(wanted, 4))  # the settings cannot be read: stay small
    if row is None:
        return max(1, min(wanted, 4))
    max_connections, reserved, in_use = row
    free = max(0, max_connections - reserved - in_use)
    return max(1, min(wanted, free // 4))


def typed_failure(error: DbsageError, conn: psycopg.Connection[Any], waited_s: float, display: str) -> DbsageError:
    """The typed error for `error`, raised by a call on `conn`: a lost connection, a statement timeout, or `error`
    itself; a call that first waited for a connection says how long."""
    typed = error
    if conn.broken or conn.closed:
        typed = ConnectionLost(f"the connection to {display} was lost during the call ({_first_line(error.message)})",
                               "call again: dbsage reconnects on the next call; if that fails too, the server is "
                               "down or restarting")
    elif isinstance(error, DatabaseError) and _timed_out(error):
        typed = StatementTimeout(error.message, error.hint)
    if waited_s > WAITED_NOTE_S:
        typed.message += f" (the call first waited {waited_s:.1f} s for a free connection)"
    return typed


def lost(exc: psycopg.OperationalError, display: str) -> DbsageError:
    """A driver error that escaped a call's own handling: a statement stopped by the server, or (the usual case:
    rolling back, resetting) a connection the server dropped."""
    if isinstance(exc, errors.QueryCanceled):
        kind = StatementTimeout if "statement timeout" in str(exc) else DatabaseError
        return kind(f"PostgreSQL stopped the statement: {_first_line(str(exc))}", None)
    return ConnectionLost(f"the connection to {display} was lost: {_first_line(str(exc))}",
                          "call again: dbsage reconnects on the next call; if that fails too, the server is down or "
                          "restarting")


def exhausted(size: int, waited_s: float, waiting: int, display: str) -> PoolExhausted:
    others = f"; {waiting} other call(s) waiting too" if waiting else ""
    return PoolExhausted(f"all {size} of dbsage's connections to {display} stayed busy while this call waited "
                         f"{waited_s:.1f} s for one{others}",
                         "retry when the running calls have finished, or run fewer at once")


def _timed_out(error: DatabaseError) -> bool:
    cause = error.__cause__ or error.__context__
    return isinstance(cause, errors.QueryCanceled) and "statement timeout" in str(cause)


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0][:300]
