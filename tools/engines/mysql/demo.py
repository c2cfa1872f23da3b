"""Builds the MySQL/MariaDB demo shop (tools/demo/mysql_*.sql) on a server. Setup, not the agent: a normal,
writing connection, only on the database it creates (`dbsage_demo`).

Idempotent like the PostgreSQL loader: a finished build leaves a marker row (demo version and scale) in the table
`dbsage_demo_build`; a later run that finds it reuses the database, anything else is dropped and rebuilt. A named
lock (GET_LOCK) keeps two concurrent runs from building at once. After the load it runs the demo's workload a few
times so performance_schema's digests and index counters have data.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pymysql

from dbsage.tools.demo import DEMO_DATABASE
from dbsage.tools.demo.database import DemoDatabase, OnStep, StepReport
from dbsage.tools.demo.scale import DemoScale
from dbsage.tools.demo.script import demo_sql, marked_blocks
from dbsage.tools.engines.base import SessionLimits
from dbsage.tools.engines.mysql.dsn import connect_kwargs
from dbsage.tools.errors import CapabilityMissing, DatabaseError, TargetUnreachable
from dbsage.tools.redact import redact

MYSQL_DEMO_VERSION = 1
WORKLOAD_RUNS = 3
_STEP = re.compile(r"^-- step: (?P<name>.+)$", re.M)
_NAME = re.compile(r"^-- name: (?P<name>\S+)\s*$", re.M)
_MARKER_TABLE = "dbsage_demo_build"


def mysql_workload() -> list[tuple[str, str]]:
    """(name, sql) of every query in mysql_workload.sql, in file order."""
    found = []
    for mark, block in marked_blocks(demo_sql("mysql_workload.sql"), _NAME):
        lines = [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("--")]
        found.append((mark["name"], "\n".join(lines).strip().rstrip(";").strip()))
    return found


def _steps(filename: str) -> list[tuple[str, str]]:
    return [(mark["name"].strip(), body.strip()) for mark, body in marked_blocks(demo_sql(filename), _STEP)]


class MySQLDemoLoader:
    """Finds or builds the demo database on the MySQL/MariaDB server that `admin_dsn` logs into."""

    def __init__(self, admin_dsn: str, on_step: OnStep | None = None, database: str = DEMO_DATABASE) -> None:
        self.kwargs = connect_kwargs(admin_dsn, SessionLimits())
        self.kwargs.update(database=None, autocommit=True, read_timeout=600, write_timeout=600,
                           program_name="dbsage-demo-setup", client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS,
                           cursorclass=pymysql.cursors.DictCursor)
        self.database = database
        self.on_step = on_step or (lambda _step: None)

    def _connect(self) -> Any:
        try:
            return pymysql.connect(**self.kwargs)
        except pymysql.err.MySQLError as exc:
            raise TargetUnreachable(f"cannot connect for the demo setup: {redact(str(exc)).strip()}",
                                    "check the server is running and the DSN is right") from None

    def ensure(self, scale: DemoScale, rebuild: bool = False) -> DemoDatabase:
        conn = self._connect()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT GET_LOCK(%s, 600) AS got", (f"dbsage-demo-{self.database}",))
                # the advisor verifies MySQL index advice on a copy: the demo gets a scratch database it may write
                cur.execute(f"CREATE DATABASE IF NOT EXISTS `{self.database}_scratch`")
                marker = self._marker(cur)
                if marker and not rebuild and marker.get("version") == MYSQL_DEMO_VERSION \
                        and marker.get("scale") == scale.name:
                    return DemoDatabase(name=self.database, version=MYSQL_DEMO_VERSION, scale=scale.name,
                                        reused=True, rows=marker.get("rows", {}),
                                        load_seconds=marker.get("load_seconds"), workload_runs=marker.get("runs", 0))
                reason = None if marker is None else "--rebuild" if rebuild else "an earlier build is outdated"
                built = self._build(cur, scale)
                built.rebuilt_because = reason
                cur.execute(f"INSERT INTO `{self.database}`.{_MARKER_TABLE} (id, info) VALUES (1, %s)",
                            (json.dumps({"version": built.version, "scale": built.scale, "rows": built.rows,
                                         "load_seconds": built.load_seconds, "runs": built.workload_runs}),))
                return built
        except pymysql.err.OperationalError as exc:
            if exc.args and exc.args[0] in (1044, 1045, 1227):
                raise CapabilityMissing(f"this login may not create the database {self.database}: "
                                        f"{redact(str(exc.args[1])).strip()}",
                                        "use --db with a login that may CREATE and DROP DATABASE") from None
            raise DatabaseError(f"loading the demo failed: {redact(str(exc)).strip()}",
                                "run the demo again: an unfinished build is dropped and redone") from None
        except pymysql.err.MySQLError as exc:
            raise DatabaseError(f"loading the demo failed: {redact(str(exc)).strip()}",
                                "run the demo again: an unfinished build is dropped and redone") from None
        finally:
            conn.close()

    def _marker(self, cur: Any) -> dict[str, Any] | None:
        cur.execute("SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", (self.database,))
        if not cur.fetchone()["n"]:
            return None
        try:
            cur.execute(f"SELECT info FROM `{self.database}`.{_MARKER_TABLE} WHERE id = 1")
            row = cur.fetchone()
        except pymysql.err.MySQLError:
            return {}
        try:
            found = json.loads(row["info"]) if row else {}
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}

    def _build(self, cur: Any, scale: DemoScale) -> DemoDatabase:
        started = time.monotonic()
        built = DemoDatabase(name=self.database, version=MYSQL_DEMO_VERSION, scale=scale.name, reused=False)
        cur.execute(f"DROP DATABASE IF EXISTS `{self.database}`")
        cur.execute(f"CREATE DATABASE `{self.database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        cur.execute(f"USE `{self.database}`")
        for table, wanted in scale.settings.items():
            cur.execute(f"SET @demo_{table} = {int(wanted)}")
        self._run(cur, "schema", demo_sql("mysql_schema.sql"))
        for name, body in _steps("mysql_data.sql"):
            built.rows[name] = self._run(cur, name, body)
        for name, body in _steps("mysql_indexes.sql"):
            self._run(cur, name, body)
        cur.execute(f"CREATE TABLE {_MARKER_TABLE} (id INT PRIMARY KEY, info TEXT NOT NULL) "
                    "COMMENT='dbsage demo: which build this is'")
        step = time.monotonic()
        built.workload_runs = run_workload(cur, WORKLOAD_RUNS)
        self.on_step(StepReport(name="workload", seconds=round(time.monotonic() - step, 2)))
        built.load_seconds = round(time.monotonic() - started, 2)
        return built

    def _run(self, cur: Any, name: str, body: str) -> int:
        started = time.monotonic()
        cur.execute(body)  # our own SQL files; a step may hold several statements
        rows = cur.rowcount
        while cur.nextset():
            pass
        self.on_step(StepReport(name=name, rows=rows if rows >= 0 else None,
                                seconds=round(time.monotonic() - started, 2)))
        return int(rows)


def run_workload(cur: Any, runs: int) -> int:
    """Run the demo's queries `runs` times, so digests and index counters have data."""
    cur.execute("SET SESSION TRANSACTION READ ONLY")
    try:
        for _ in range(runs):
            for _name, text in mysql_workload():
                cur.execute(text)
                cur.fetchall()
    finally:
        cur.execute("SET SESSION TRANSACTION READ WRITE")
    return runs
