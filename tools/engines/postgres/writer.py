"""The one write session dbsage opens on a real database: `dbsage proposals apply`, with the write login the user
configured for that purpose (`write_dsn` / `--write-db`), started by a person, for an approved proposal.

Nothing else uses this module: not the agent, not MCP, not Slack, not the read-only engine. The session runs with
`lock_timeout` and `statement_timeout` set by the server from the first statement on, autocommit between groups;
a group of transactional statements runs in one transaction, a CONCURRENTLY statement on its own outside one.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import errors as pg_errors

from dbsage.tools.errors import TargetUnreachable
from dbsage.tools.redact import redact, redact_dsn
from dbsage.tools.targets import Target

_INVALID_INDEXES = """
SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
 WHERE NOT i.indisvalid ORDER BY 1
"""


class StepFailed(Exception):
    """A statement of a group failed; `position` is its index in the group, `lock_timeout` says whether it gave up
    waiting for a lock (worth a retry), `message` is the server's text."""

    def __init__(self, position: int, message: str, lock_timeout: bool) -> None:
        super().__init__(message)
        self.position = position
        self.message = message
        self.lock_timeout = lock_timeout


class WriteSession:
    def __init__(self, target: Target, lock_timeout: str, statement_timeout: str) -> None:
        self.target = target
        self._options = (f"-c lock_timeout={lock_timeout} -c statement_timeout={statement_timeout} "
                         "-c idle_in_transaction_session_timeout=60s")
        self._conn: psycopg.Connection[Any] | None = None

    def __enter__(self) -> WriteSession:
        try:
            self._conn = psycopg.connect(self.target.dsn, autocommit=True, connect_timeout=10,
                                         application_name="dbsage apply", options=self._options)
        except psycopg.Error as exc:
            raise TargetUnreachable(f"cannot connect with the write login to {self.target.display}: "
                                    f"{redact_dsn(str(exc), self.target.dsn).strip()}",
                                    "check write_dsn in dbsage.toml or --write-db") from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def conn(self) -> psycopg.Connection[Any]:
        assert self._conn is not None, "use WriteSession in a with block"
        return self._conn

    def run_group(self, statements: list[str], transactional: bool) -> None:
        """All of `statements` in one transaction (or the one statement in autocommit); StepFailed on an error."""
        done = 0  # statements of the group that went through: the next one is the one that failed
        try:
            if transactional:
                with self.conn.transaction():
                    for sql in statements:
                        self.conn.execute(sql.encode())  # the approved proposal's own SQL
                        done += 1
            else:
                self.conn.execute(statements[0].encode())
        except psycopg.Error as exc:
            message = redact(str(exc)).strip().splitlines()[0][:500] if str(exc).strip() else type(exc).__name__
            raise StepFailed(done, message, isinstance(exc, pg_errors.LockNotAvailable)) from None

    def invalid_indexes(self) -> set[str]:
        """Invalid indexes now (a failed CREATE INDEX CONCURRENTLY leaves one); on a fresh connection, since this
        one may be the one an interrupt left unusable."""
        try:
            with psycopg.connect(self.target.dsn, autocommit=True, connect_timeout=10,
                                 application_name="dbsage apply (check)", options=self._options) as conn:
                return {row[0] for row in conn.execute(_INVALID_INDEXES).fetchall()}
        except psycopg.Error:
            return set()
