"""Builds the demo database (tools/demo) on a PostgreSQL server. This is setup, not the agent: it uses a normal,
writing connection, and only on the database it creates, `dbsage_demo`.

Idempotent: a finished build leaves a marker (the database's comment, with the demo version and scale). A later run
that finds the marker reuses the database; a database without it (an interrupted build) or with another version or
scale is dropped and rebuilt. An advisory lock keeps two concurrent runs from building at once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from dbsage.tools.demo import DEMO_DATABASE, DEMO_VERSION
from dbsage.tools.demo.database import DemoDatabase, OnStep, StepReport
from dbsage.tools.demo.scale import DemoScale
from dbsage.tools.demo.script import load_steps
from dbsage.tools.demo.workload import workload
from dbsage.tools.errors import CapabilityMissing, DatabaseError, TargetUnreachable
from dbsage.tools.redact import redact

MARKER = "dbsage-demo "
SEED = 0.42  # the same rows on every build
WORKLOAD_RUNS = 3
_LOCK_KEY = 0x0DB5A6E  # pg_advisory_lock(key, hashtext(database)): one build of a demo database at a time
_SETUP: dict[str, Any] = {"application_name": "dbsage-demo-setup", "connect_timeout": 5,
          "options": "-c statement_timeout=600000 -c lock_timeout=600000"}


def database_dsn(dsn: str, database: str) -> str:
    """The same server and login, another database (URL or key=value DSN, or libpq defaults when empty)."""
    if "://" in dsn:
        return urlsplit(dsn)._replace(path=f"/{database}").geturl()
    return make_conninfo(dsn, dbname=database)


def probe(dsn: str, timeout_s: int = 3) -> str | None:
    """None when a PostgreSQL server accepts the login; else why not (redacted)."""
    try:
        psycopg.connect(dsn, connect_timeout=timeout_s, application_name="dbsage-demo-setup").close()
    except psycopg.Error as exc:
        return redact(str(exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def _connect(dsn: str, **kwargs: Any) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(dsn, autocommit=True, **_SETUP, **kwargs)
    except psycopg.Error as exc:
        raise TargetUnreachable(f"cannot connect for the demo setup: {redact(str(exc)).strip()}",
                                "check the server is running and the DSN is right") from None


class DemoLoader:
    """Finds or builds `dbsage_demo` on the server that `admin_dsn` logs into."""

    def __init__(self, admin_dsn: str, on_step: OnStep | None = None, database: str = DEMO_DATABASE) -> None:
        self.admin_dsn = admin_dsn
        self.database = database  # another name only for tests that must not disturb the shared demo database
        self.demo_dsn = database_dsn(admin_dsn, database)
        self.on_step = on_step or (lambda _step: None)

    def ensure(self, scale: DemoScale, rebuild: bool = False) -> DemoDatabase:
        with _connect(self.admin_dsn) as admin:
            admin.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (_LOCK_KEY, self.database))
            marker = self._marker(admin)
            if marker and not rebuild and marker.get("version") == DEMO_VERSION and marker.get("scale") == scale.name:
                return DemoDatabase(name=self.database, version=DEMO_VERSION, scale=scale.name, reused=True,
                                    rows=marker.get("rows", {}), load_seconds=marker.get("load_seconds"),
                                    extensions=marker.get("extensions", []), workload_runs=marker.get("runs", 0))
            reason = self._why_rebuild(admin, marker, scale, rebuild)
            self._recreate(admin, dropping=reason is not None)
            built = self._build(scale)
            built.rebuilt_because = reason
            self._mark(admin, built)
            return built

    # -- the marker ------------------------------------------------------------------------------------------------

    def _marker(self, admin: psycopg.Connection[Any]) -> dict[str, Any] | None:
        row = admin.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                            (self.database,)).fetchone()
        if row is None:
            return None
        comment = row[0] or ""
        if not comment.startswith(MARKER):
            return {}  # exists, but no finished build marked it
        try:
            found = json.loads(comment[len(MARKER):])
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}

    @staticmethod
    def _why_rebuild(admin: psycopg.Connection[Any], marker: dict[str, Any] | None, scale: DemoScale,
                     rebuild: bool) -> str | None:
        if marker is None:
            return None  # nothing there yet: a first build, not a rebuild
        if rebuild:
            return "--rebuild"
        if not marker:
            return "an earlier build did not finish"
        if marker.get("version") != DEMO_VERSION:
            return f"demo version {marker.get('version')} is outdated (now {DEMO_VERSION})"
        return f"scale {marker.get('scale')} was asked as {scale.name}"

    def _mark(self, admin: psycopg.Connection[Any], built: DemoDatabase) -> None:
        payload = {"version": built.version, "scale": built.scale, "rows": built.rows,
                   "load_seconds": built.load_seconds, "extensions": built.extensions, "runs": built.workload_runs}
        admin.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
            sql.Identifier(self.database), sql.Literal(MARKER + json.dumps(payload))))

    # -- building --------------------------------------------------------------------------------------------------

    def _recreate(self, admin: psycopg.Connection[Any], dropping: bool) -> None:
        name = sql.Identifier(self.database)
        try:
            if dropping:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
        except psycopg.errors.InsufficientPrivilege as exc:
            user = admin.info.user
            raise CapabilityMissing(
                f"the login {user!r} may not create (or drop) the database {self.database}: {exc.diag.message_primary}",
                f"give it the right (ALTER ROLE {user} CREATEDB), use --db with a login that has it, "
                "or run `dbsage demo --embedded` for a private PostgreSQL",
            ) from None
        except psycopg.Error as exc:
            raise DatabaseError(f"could not create {self.database}: {redact(str(exc)).strip()}",
                                "fix what the server names above, or run `dbsage demo --embedded` for a private "
                                "PostgreSQL") from None

    def _build(self, scale: DemoScale) -> DemoDatabase:
        started = time.monotonic()
        built = DemoDatabase(name=self.database, version=DEMO_VERSION, scale=scale.name, reused=False)
        with _connect(self.demo_dsn) as conn:
            try:
                self._load(conn, scale, built)
                built.extensions = self._extensions(conn)
                # The load's row counts reach the shared statistics only when the backend next goes idle; flush them
                # first, or ANALYZE resets counters that arrive right after and every table looks stale.
                if conn.info.server_version >= 150000:
                    conn.execute("SELECT pg_stat_force_next_flush()")
                self._timed("vacuum analyze", lambda: conn.execute("VACUUM ANALYZE"))
                built.workload_runs = self._timed("workload", lambda: run_workload(conn, WORKLOAD_RUNS))
            except psycopg.Error as exc:
                raise DatabaseError(f"loading the demo failed: {redact(str(exc)).strip()}",
                                    "run `dbsage demo` again: an unfinished build is dropped and redone") from None
        built.load_seconds = round(time.monotonic() - started, 2)
        return built

    def _load(self, conn: psycopg.Connection[Any], scale: DemoScale, built: DemoDatabase) -> None:
        for table, wanted in scale.settings.items():
            conn.execute("SELECT set_config(%s, %s, false)", (f"dbsage_demo.{table}", str(wanted)))
        conn.execute("SELECT setseed(%s)", (SEED,))
        with conn.transaction():  # an interrupted load leaves no half-filled tables behind
            for step in load_steps():
                started = time.monotonic()
                cursor = conn.execute(step.sql.encode())  # our own SQL files, several statements per step
                rows = cursor.rowcount if step.counts_rows else None
                if rows is not None:
                    built.rows[step.name] = rows
                self.on_step(StepReport(name=step.name, rows=rows, seconds=round(time.monotonic() - started, 2)))

    def _extensions(self, conn: psycopg.Connection[Any]) -> list[str]:
        """pg_stat_statements (when preloaded) and hypopg (when available), for the later reports."""
        wanted = conn.execute(
            "SELECT name FROM pg_available_extensions WHERE name = 'hypopg' OR (name = 'pg_stat_statements' AND "
            "'pg_stat_statements' = ANY (string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''),"
            " ',')))").fetchall()
        installed = []
        for (name,) in wanted:
            try:
                conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(name)))
                installed.append(name)
            except psycopg.errors.InsufficientPrivilege:
                pass  # a non-superuser login may not: the capability report says how to add it
        return sorted(installed)

    def _timed(self, name: str, action: Callable[[], Any]) -> Any:
        started = time.monotonic()
        result = action()
        self.on_step(StepReport(name=name, seconds=round(time.monotonic() - started, 2)))
        return result


def run_workload(conn: psycopg.Connection[Any], runs: int) -> int:
    """Run the demo app's queries `runs` times, read-only, after clearing this database's statement statistics."""
    has_pss = conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'").fetchone()
    if has_pss and has_pss[0]:
        conn.execute("SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database "
                     "WHERE datname = current_database()), 0)")
    conn.execute("SET statement_timeout = '30s'")
    for _ in range(runs):
        with conn.transaction():
            conn.execute("SET TRANSACTION READ ONLY")
            for item in workload():
                conn.execute(item.sql.encode()).fetchall()
    # Index usage counters reach the shared statistics when the backend next goes idle; make that happen now
    # (PostgreSQL 15+) so a report right after the build sees them.
    if conn.info.server_version >= 150000:
        conn.execute("SELECT pg_stat_force_next_flush()")
    return runs
