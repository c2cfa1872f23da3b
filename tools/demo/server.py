"""Which PostgreSQL server the demo runs on.

- `--db`: that one, or a clear error.
- otherwise `DBSAGE_DB`, else libpq's own defaults (PG* variables, service file, local socket — like psql); if nothing
  answers there, an embedded PostgreSQL (tools/embedded_postgres.py) started on the spot and left running.
- `--embedded` (or DBSAGE_DEMO_EMBEDDED=1) goes straight to the embedded server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from dbsage.tools.demo.database import DemoServer
from dbsage.tools.errors import UsageError
from dbsage.tools.targets import Target, resolve

EMBEDDED_ENV = "DBSAGE_DEMO_EMBEDDED"


@dataclass(frozen=True)
class ChosenServer:
    """The admin DSN (secret-bearing: stays in tools/) and its redacted description."""

    dsn: str
    info: DemoServer


def embedded_forced(flag: bool) -> bool:
    return flag or os.environ.get(EMBEDDED_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def embedded_server(notes: list[str] | None = None) -> ChosenServer:
    from dbsage.tools.embedded_postgres import EmbeddedPostgres

    server = EmbeddedPostgres()
    was_running = server.is_running()
    dsn = server.ensure_running()
    notes = [*(notes or []), f"embedded PostgreSQL in {server.base} "
             + ("(already running)" if was_running else "(started; `dbsage demo --stop` stops it)")]
    if server.account is not None:
        notes.append(f"running as root: the server runs as the unprivileged account {server.account.name!r}")
    return ChosenServer(dsn=dsn, info=DemoServer(kind="embedded", display=Target("postgres", dsn).display,
                                                 source="embedded-postgres package", notes=notes))


def choose_server(db: str | None, embedded: bool = False) -> ChosenServer:
    from dbsage.tools.engines.postgres.demo import probe

    if embedded_forced(embedded):
        return embedded_server()
    if db:
        target = resolve(db)
        if target.engine != "postgres":
            raise UsageError(f"the demo runs on PostgreSQL, and {target.display} is {target.engine}",
                             "pass a postgresql:// DSN, or leave --db out to use a local or embedded PostgreSQL")
        return ChosenServer(dsn=target.dsn, info=DemoServer(kind="configured", display=target.display,
                                                            source=target.source))
    notes: list[str] = []
    target = resolve(None)
    if target.engine != "postgres":
        notes.append(f"DBSAGE_DB is {target.engine}; the demo needs PostgreSQL, so it tries libpq's defaults")
        target = Target(engine="postgres", dsn="", source="libpq defaults")
    display = target.display if target.dsn else _libpq_defaults()
    failure = probe(target.dsn)
    if failure is None:
        return ChosenServer(dsn=target.dsn, info=DemoServer(kind="default", display=display,
                                                            source=target.source, notes=notes))
    notes.append(f"no PostgreSQL answered at {display}: {failure}")
    return embedded_server(notes)


def _libpq_defaults() -> str:
    """What libpq's defaults point at, from the PG* variables that are set (never PGPASSWORD)."""
    named = [f"{var}={os.environ[var]}" for var in ("PGSERVICE", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE")
             if os.environ.get(var)]
    return "libpq defaults" + (f" ({' '.join(named)})" if named else " (local socket)")
