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
    engine: str = "postgres"

    @property
    def target(self) -> Target:
        """The demo database as a target for the (read-only) engines."""
        if self.engine in ("mysql", "mongo"):
            from urllib.parse import urlsplit

            dsn = urlsplit(self.server.dsn)._replace(path=f"/{DEMO_DATABASE}").geturl()
            return Target(engine=self.engine, dsn=dsn, source="dbsage demo")  # type: ignore[arg-type]
        from dbsage.tools.engines.postgres.demo import database_dsn

        return Target(engine="postgres", dsn=database_dsn(self.server.dsn, DEMO_DATABASE), source="dbsage demo")


MYSQL_DEFAULT = "mysql://root@127.0.0.1:3306/"
MONGO_DEFAULT = "mongodb://127.0.0.1:27017/"
DEMO_ENGINES = ("postgres", "mysql", "mongo")


def demo_engine(name: str | None) -> str:
    """The engine whose demo `--engine NAME` asks for (default PostgreSQL); a UsageError lists the others."""
    from dbsage.tools.errors import UsageError

    wanted = (name or "postgres").strip().lower()
    wanted = {"postgresql": "postgres", "mariadb": "mysql", "mongodb": "mongo"}.get(wanted, wanted)
    if wanted not in DEMO_ENGINES:
        raise UsageError(f"there is no demo for engine {name!r}", f"use --engine {' or --engine '.join(DEMO_ENGINES)}")
    return wanted


def set_up_mysql_demo(db: str | None, scale: DemoScale, *, rebuild: bool = False,
                      on_step: OnStep | None = None) -> DemoSetup:
    """The MySQL/MariaDB demo shop on `--db` (a mysql:// DSN), else $DBSAGE_DB when it is one, else a local server
    as root (127.0.0.1:3306)."""
    import os

    from dbsage.tools.demo.database import DemoServer
    from dbsage.tools.engines.mysql.demo import MySQLDemoLoader
    from dbsage.tools.errors import UsageError
    from dbsage.tools.targets import resolve

    wanted = db or (os.environ.get("DBSAGE_DB") if (os.environ.get("DBSAGE_DB") or "").startswith(
        ("mysql://", "mariadb://")) else None)
    target = resolve(wanted) if wanted else Target(engine="mysql", dsn=MYSQL_DEFAULT, source="local default")
    if target.engine != "mysql":
        raise UsageError(f"--engine mysql needs a MySQL/MariaDB server, and {target.display} is {target.engine}",
                         "pass --db mysql://user@host:3306/, or leave --db out for 127.0.0.1:3306 as root")
    server = ChosenServer(dsn=target.dsn, info=DemoServer(kind="configured" if db else "default",
                                                           display=target.display, source=target.source))
    database = MySQLDemoLoader(target.dsn, on_step).ensure(scale, rebuild)
    return DemoSetup(server=server, database=database, engine="mysql")


def set_up_mongo_demo(db: str | None, scale: DemoScale, *, rebuild: bool = False,
                      on_step: OnStep | None = None) -> DemoSetup:
    """The MongoDB demo shop on `--db` (a mongodb:// URI), else $DBSAGE_DB when it is one, else a local server on
    127.0.0.1:27017 (SecantusDB serves the same wire protocol)."""
    import os
    from urllib.parse import urlsplit

    from dbsage.tools.demo.database import DemoServer
    from dbsage.tools.engines.mongo.demo import MongoDemoLoader
    from dbsage.tools.errors import UsageError
    from dbsage.tools.targets import resolve

    wanted = db or (os.environ.get("DBSAGE_DB") if (os.environ.get("DBSAGE_DB") or "").startswith(
        ("mongodb://", "mongodb+srv://")) else None)
    target = resolve(wanted) if wanted else Target(engine="mongo", dsn=MONGO_DEFAULT, source="local default")
    if target.engine != "mongo":
        raise UsageError(f"--engine mongodb needs a MongoDB server, and {target.display} is {target.engine}",
                         "pass --db mongodb://host:27017/, or leave --db out for 127.0.0.1:27017")
    server_uri = urlsplit(target.dsn)._replace(path="/").geturl()
    server = ChosenServer(dsn=server_uri, info=DemoServer(kind="configured" if db else "default",
                                                         display=target.display, source=target.source))
    database = MongoDemoLoader(server_uri, on_step).ensure(scale, rebuild)
    return DemoSetup(server=server, database=database, engine="mongo")


def set_up_demo(db: str | None, scale: DemoScale, *, embedded: bool = False, rebuild: bool = False,
                on_step: OnStep | None = None, on_note: Callable[[str], None] | None = None,
                engine: str = "postgres") -> DemoSetup:
    """Choose the server, then find or build the demo database; `on_note` hears why a server was chosen."""
    if engine == "mysql":
        return set_up_mysql_demo(db, scale, rebuild=rebuild, on_step=on_step)
    if engine == "mongo":
        return set_up_mongo_demo(db, scale, rebuild=rebuild, on_step=on_step)
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
