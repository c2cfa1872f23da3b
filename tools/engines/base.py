"""The engine protocol: one adapter module per engine implements it; shared behaviour lives here once.

Front ends never import a driver; they call these methods and get typed results (tools.schema, tools.capabilities).
What only some engines offer (run_sql, explain, top_statements, checks, what_if) lives on those adapters, not in the
protocol: a command that needs PostgreSQL opens it with `connect_postgres` (typed, with the usage error for another
engine); the agent's tools check with hasattr and raise CapabilityMissing with the fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from dbsage.tools.capabilities import ServerReport
from dbsage.tools.schema import SchemaSnapshot
from dbsage.tools.targets import Target

if TYPE_CHECKING:
    from dbsage.tools.engines.postgres import PostgresEngine


@dataclass(frozen=True)
class SessionLimits:
    """Limits every session the agent holds runs under. The database enforces them, not only dbsage."""

    statement_timeout_ms: int = 5_000
    lock_timeout_ms: int = 1_000
    idle_in_transaction_timeout_ms: int = 10_000
    connect_timeout_s: int = 5
    max_rows: int = 1_000
    max_bytes: int = 1_000_000


@runtime_checkable
class Engine(Protocol):
    """What every engine adapter offers."""

    name: str
    target: Target
    limits: SessionLimits

    def introspect(self, object_name: str | None = None) -> SchemaSnapshot:
        """Tables/views/collections with columns, constraints, indexes, sizes; one object when named."""
        ...

    def server_report(self) -> ServerReport:
        """Version, capabilities with their fixes, and what the login may do."""
        ...

    def close(self) -> None: ...


def connect(target: Target, limits: SessionLimits | None = None) -> Engine:
    """Open the adapter for `target`'s engine. The driver is imported only here, lazily."""
    limits = limits or SessionLimits()
    if target.engine == "postgres":
        from dbsage.tools.engines.postgres import PostgresEngine

        return PostgresEngine(target, limits)
    if target.engine == "mysql":
        from dbsage.tools.engines.mysql import MySQLEngine

        return MySQLEngine(target, limits)
    from dbsage.tools.engines.mongo import MongoEngine

    return MongoEngine(target, limits)


def connect_postgres(target: Target, command: str, limits: SessionLimits | None = None) -> PostgresEngine:
    """The PostgreSQL adapter, typed as such, for `dbsage COMMAND` that only PostgreSQL offers; another engine's
    target is a usage error that says so (Target.require)."""
    from dbsage.tools.engines.postgres import PostgresEngine

    return PostgresEngine(target.require("postgres", command), limits or SessionLimits())
