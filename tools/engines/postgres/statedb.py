"""dbsage's own state in a PostgreSQL database (the team's proposals queue): a connection that speaks like sqlite3.

The proposals store is written once, in SQLite's dialect of SQL with `?` placeholders; this connection lets the same
code run on PostgreSQL. It translates only what the store uses: `?` → a bound parameter (bound client-side, so
`? IS NULL` needs no type), `BEGIN IMMEDIATE` (SQLite's "take the write lock now") → a transaction-level advisory
lock, and rows as dicts. Every statement has a timeout; a lock wait is bounded too. This is dbsage's own database,
never a target: nothing here passes the read-only guard because nothing here reads a user's data.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row

from dbsage.tools.errors import DbsageError, TargetUnreachable
from dbsage.tools.redact import redact_url

STATEMENT_TIMEOUT_MS = 30_000
LOCK_TIMEOUT_MS = 10_000
_WRITE_LOCK = 0x64627361_67650001  # pg_advisory_xact_lock key of the store's "one writer at a time" steps


class StateCursor:
    def __init__(self, cursor: psycopg.Cursor[dict[str, Any]]) -> None:
        self._cursor = cursor
        self.rowcount = cursor.rowcount

    def fetchone(self) -> dict[str, Any] | None:
        return self._cursor.fetchone() if self._cursor.description else None

    def fetchall(self) -> list[dict[str, Any]]:
        return self._cursor.fetchall() if self._cursor.description else []


class StateConnection:
    """One transaction per `with` block (commit on success, roll back on error), like a sqlite3 connection."""

    def __init__(self, dsn: str) -> None:
        try:
            self._conn: psycopg.Connection[dict[str, Any]] = psycopg.connect(
                dsn, connect_timeout=10, row_factory=dict_row, cursor_factory=psycopg.ClientCursor,
                application_name="dbsage-state",
                options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={LOCK_TIMEOUT_MS}")
        except psycopg.Error as exc:
            raise TargetUnreachable(f"cannot open the proposals store at {redact_url(dsn)}: "
                                    f"{str(exc).strip().splitlines()[0][:300]}",
                                    "check [state] dsn in dbsage.toml or DBSAGE_STATE_DB") from None

    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> StateCursor:
        if sql.strip().upper() == "BEGIN IMMEDIATE":
            sql, params = "SELECT pg_advisory_xact_lock(?)", (_WRITE_LOCK,)
        cursor = self._conn.cursor()
        try:
            cursor.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(params))
        except psycopg.Error as exc:
            raise DbsageError(f"the proposals store refused a statement: {str(exc).strip().splitlines()[0][:300]}",
                              "if the store was made by a newer dbsage, upgrade; otherwise report it") from None
        return StateCursor(cursor)

    def __enter__(self) -> StateConnection:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is None:
            self._conn.commit()
        else:
            self._conn.rollback()

    def close(self) -> None:
        self._conn.close()


def connect_state(dsn: str) -> StateConnection:
    return StateConnection(dsn)
