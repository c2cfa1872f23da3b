"""Setting the demo up: choose the server, then find or build `dbsage_demo` on it.

When the server came from the defaults (not `--db`) and its login may not create databases, the demo falls back to
the embedded PostgreSQL rather than failing: a newcomer's `dbsage demo` should just work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dbsage.tools.demo import DEMO_DATABASE
from dbsage.tools.demo.database import DemoDatabase, OnStep
from dbsage.tools.demo.scale import DemoScale
from dbsage.tools.demo.server import ChosenServer, choose_server, embedded_server
from dbsage.tools.errors import CapabilityMissing
from dbsage.tools.targets import Target


@dataclass(frozen=True)
class DemoSetup:
    server: ChosenServer
    database: DemoDatabase

    @property
    def target(self) -> Target:
        """The demo database as a target for the (read-only) engines."""
        from dbsage.tools.engines.postgres.demo import database_dsn

        return Target(engine="postgres", dsn=database_dsn(self.server.dsn, DEMO_DATABASE), source="dbsage demo")


def set_up_demo(db: str | None, scale: DemoScale, *, embedded: bool = False, rebuild: bool = False,
                on_step: OnStep | None = None, on_note: Callable[[str], None] | None = None) -> DemoSetup:
    """Choose the server, then find or build the demo database; `on_note` hears why a server was chosen."""
    from dbsage.tools.engines.postgres.demo import DemoLoader

    tell = on_note or (lambda _note: None)
    server = choose_server(db, embedded)
    for note in server.info.notes:
        tell(note)
    try:
        database = DemoLoader(server.dsn, on_step).ensure(scale, rebuild)
    except CapabilityMissing as refused:
        if server.info.kind != "default":
            raise
        told = len(server.info.notes)
        server = embedded_server([*server.info.notes, f"{server.info.display}: {refused.message}"])
        for note in server.info.notes[told:]:
            tell(note)
        database = DemoLoader(server.dsn, on_step).ensure(scale, rebuild)
    return DemoSetup(server=server, database=database)
