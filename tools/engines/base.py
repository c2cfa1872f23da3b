"""The engine protocol, and the base every adapter derives from.

Front ends never import a driver or an adapter: they call `open_engine(target, needs={...})` (registry.py) and use
the methods below, which return typed, engine-neutral results (tools.schema, tools.capabilities,
tools.query_result, tools.explain, tools.top, tools.checks, tools.advisor.backend). An adapter overrides only what
its engine offers and declares exactly those features in its registry line; the rest raise CapabilityMissing from
EngineBase, saying what is missing and where it works.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

__all__ = ["Engine", "EngineBase", "SessionLimits", "connect"]

from dbsage.tools.capabilities import ServerReport
from dbsage.tools.engines.limits import SessionLimits
from dbsage.tools.errors import CapabilityMissing
from dbsage.tools.schema import SchemaSnapshot
from dbsage.tools.targets import Target

if TYPE_CHECKING:
    from dbsage.tools.activity import ActivityReport
    from dbsage.tools.advisor.backend import WhatIfBackend
    from dbsage.tools.checks import CheckReport, Thresholds
    from dbsage.tools.explain import ExplainResult
    from dbsage.tools.query_result import QueryResult
    from dbsage.tools.top import TopReport


@runtime_checkable
class Engine(Protocol):
    """What a front end may call on any engine; which of the optional parts work is the engine's feature set."""

    name: str
    target: Target
    limits: SessionLimits

    def introspect(self, object_name: str | None = None) -> SchemaSnapshot:
        """Tables/views/collections with columns, constraints, indexes, sizes; one object when named."""
        ...

    def server_report(self) -> ServerReport:
        """Version, capabilities with their fixes, and what the login may do."""
        ...

    def run(self, statement: str | dict[str, Any], *, max_rows: int | None = None) -> QueryResult:
        """One read-only statement in the engine's own language (SQL text, or a MongoDB command document, as a
        dict or its JSON text), through the guard, bounded by `max_rows` and the session limits."""
        ...

    def explain(self, statement: str, analyze: bool = False) -> ExplainResult:
        """The plan with its insights; `analyze` runs it only where that cannot change data."""
        ...

    def top_statements(self, sort: str = "total", limit: int = 20, include_utility: bool = False) -> TopReport:
        """The heaviest statements from the engine's statistics view; utility statements (COPY, VACUUM, ANALYZE,
        DDL, SET …) only with `include_utility`."""
        ...

    def checks(self, thresholds: Thresholds | None = None) -> CheckReport:
        """The health checkup: findings by family, with evidence and a fix, and the scorecard."""
        ...

    def what_if(self) -> AbstractContextManager[WhatIfBackend]:
        """A one-connection session that prices hypothetical indexes with the real planner (the advisor's backend)."""
        ...

    def activity(self, limit: int = 50) -> ActivityReport:
        """Sessions busy now (at most `limit`), who blocks whom on which lock, idle-in-transaction sessions."""
        ...

    def cancel(self) -> None:
        """Stop what this engine's connections are running now (a person cancelled); a no-op where unsupported."""
        ...

    def close(self) -> None: ...


class EngineBase:
    """Shared behaviour of every adapter: the optional features raise CapabilityMissing until an adapter overrides
    them (and adds them to its registry line). Subclasses set `name` and take (target, limits)."""

    name: str = ""

    def __init__(self, target: Target, limits: SessionLimits) -> None:
        self.target = target
        self.limits = limits

    def _missing(self, feature: str) -> CapabilityMissing:
        from dbsage.tools.engines.registry import engine_info, offering

        title = engine_info(self.name).title
        able = " or ".join(info.title for info in offering([feature])) or "no engine yet"
        return CapabilityMissing(f"{feature} on {title} is not built yet", f"it works on {able}")

    def run(self, statement: str | dict[str, Any], *, max_rows: int | None = None) -> QueryResult:
        raise self._missing("run")

    def explain(self, statement: str, analyze: bool = False) -> ExplainResult:
        raise self._missing("explain")

    def top_statements(self, sort: str = "total", limit: int = 20, include_utility: bool = False) -> TopReport:
        raise self._missing("top_statements")

    def checks(self, thresholds: Thresholds | None = None) -> CheckReport:
        raise self._missing("checks")

    def what_if(self) -> AbstractContextManager[WhatIfBackend]:
        raise self._missing("what_if")

    def activity(self, limit: int = 50) -> ActivityReport:
        raise self._missing("activity")

    def cancel(self) -> None:
        """Nothing to stop by default; an adapter whose driver can cancel server-side overrides this."""


def connect(target: Target, limits: SessionLimits | None = None) -> Engine:
    """The adapter for `target`'s engine, whatever it offers (open_engine without needs)."""
    from dbsage.tools.engines.registry import open_engine

    return open_engine(target, limits=limits)
