"""Every engine dbsage knows, declared once: its schemes, title, adapter, guard grammar and feature set.

Targets (which scheme means which engine), `open_engine` (which adapter to load) and the guard (which grammar to
parse with) all read ENGINES. Importing this module loads no driver: an adapter is imported when it is opened.

To add an engine: a folder `tools/engines/<name>/` (adapter.py with a class deriving from base.EngineBase, sql/
beside it) and ONE EngineInfo line below, listing only the features the adapter implements; add the name to
EngineName. A front end that needs a feature asks `open_engine(target, needs={...})` and never names the engine.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any, Literal

from dbsage.tools.engines.limits import SessionLimits
from dbsage.tools.errors import CapabilityMissing, UsageError

if TYPE_CHECKING:
    from dbsage.tools.engines.base import Engine
    from dbsage.tools.targets import Target

EngineName = Literal["postgres", "mysql", "mongo"]
# What an engine may offer beyond introspect/server_report; each is one method of the protocol (base.Engine).
Feature = Literal["introspect", "server_report", "run", "explain", "top_statements", "checks", "what_if", "activity"]
EVERY_FEATURE: frozenset[Feature] = frozenset(
    ("introspect", "server_report", "run", "explain", "top_statements", "checks", "what_if", "activity"))
_BASICS: frozenset[Feature] = frozenset(("introspect", "server_report", "run"))


@dataclass(frozen=True)
class EngineInfo:
    name: EngineName
    title: str  # how people call it, in messages
    schemes: tuple[str, ...]  # DSN URL schemes that mean this engine
    adapter: str  # "module:Class", imported on first open (the driver loads then, never at start-up)
    features: frozenset[Feature]
    sql_guard: str | None = None  # "module:function" that accepts one read-only SQL statement; None: no SQL
    statement: str = "one read-only SQL statement"  # what `run` takes, for help and messages

    def adapter_class(self) -> Any:
        module, _, name = self.adapter.partition(":")
        return getattr(import_module(module), name)


ENGINES: tuple[EngineInfo, ...] = (
    EngineInfo("postgres", "PostgreSQL", ("postgresql", "postgres"),
               "dbsage.tools.engines.postgres.adapter:PostgresEngine", EVERY_FEATURE,
               "dbsage.tools.guard.postgres:check_postgres"),
    EngineInfo("mysql", "MySQL/MariaDB", ("mysql", "mariadb"), "dbsage.tools.engines.mysql.adapter:MySQLEngine",
               EVERY_FEATURE, "dbsage.tools.guard.mysql:check_mysql"),
    EngineInfo("mongo", "MongoDB", ("mongodb", "mongodb+srv"), "dbsage.tools.engines.mongo.adapter:MongoEngine",
               EVERY_FEATURE, None,
               'a JSON command document, e.g. {"find": "orders", "filter": {"status": "new"}}'),
)


def engine_info(name: str) -> EngineInfo:
    """The declaration of engine `name`; a UsageError naming the known engines otherwise."""
    for info in ENGINES:
        if info.name == name:
            return info
    raise UsageError(f"dbsage has no engine named {name!r}", f"the engines are: {', '.join(e.name for e in ENGINES)}")


def engine_for_scheme(scheme: str) -> EngineName:
    """The engine a DSN scheme (`postgresql`, `mariadb`, …) names; an unknown scheme is a UsageError listing them."""
    for info in ENGINES:
        if scheme.lower() in info.schemes:
            return info.name
    known = ", ".join(f"{s}://" for info in ENGINES for s in info.schemes)
    raise UsageError(f"unknown database scheme {scheme + '://'!r}", f"use one of {known}")


def offering(needs: Collection[str]) -> list[EngineInfo]:
    """The engines whose feature set covers `needs`."""
    return [info for info in ENGINES if set(needs) <= info.features]


def _titles(infos: list[EngineInfo]) -> str:
    return " or ".join(info.title for info in infos) or "no engine yet"


def require(target: Target, needs: Collection[str], command: str | None = None) -> EngineInfo:
    """`target`'s engine, when it offers every feature in `needs`. Otherwise, before any connection: for a CLI
    `command` a UsageError (the call points at the wrong kind of database), else CapabilityMissing."""
    info = engine_info(target.engine)
    missing = sorted(set(needs) - info.features)
    if not missing:
        return info
    able = _titles(offering(needs))
    if command is not None:
        raise UsageError(f"dbsage {command} supports {able} only so far; this target is {info.title}",
                         f"point --db at a {able} database")
    raise CapabilityMissing(f"{', '.join(missing)} on {info.title} is not built yet",
                            f"it works on {able}; for this database use the other tools")


def open_engine(target: Target, needs: Collection[str] = (), limits: SessionLimits | None = None,
                command: str | None = None) -> Engine:
    """The adapter for `target`, checked to offer `needs` (see `require`) before it connects."""
    info = require(target, needs, command)
    engine: Engine = info.adapter_class()(target, limits or SessionLimits())
    return engine
