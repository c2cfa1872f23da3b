"""PostgreSQL adapter (psycopg 3 + psycopg-pool).

Every session is read-only at the database level (default_transaction_read_only and a READ ONLY transaction), has
statement/lock/idle-in-transaction timeouts, is named `dbsage` in pg_stat_activity, and is rolled back after every
call. The SQL the adapter itself runs against the catalog lives in tools/sql/postgres_*.sql.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from dbsage.tools.capabilities import Capability, LoginReport, ServerReport
from dbsage.tools.engines.base import EngineBase, SessionLimits
from dbsage.tools.engines.postgres.pool import exhausted, lost, pool_size, typed_failure
from dbsage.tools.engines.postgres.relation_extras import add_relation_extras
from dbsage.tools.engines.postgres.roles import read_only_role_sql
from dbsage.tools.engines.postgres.sqlfiles import load as _sql
from dbsage.tools.engines.postgres.stats_age import stats_age
from dbsage.tools.engines.postgres.values import infinity_safe
from dbsage.tools.engines.postgres.whatif import PostgresWhatIf, what_if_session
from dbsage.tools.errors import DatabaseError, DbsageError, TargetUnreachable, UsageError
from dbsage.tools.query_result import QueryResult
from dbsage.tools.redact import redact, redact_dsn
from dbsage.tools.schema import Column, Constraint, ConstraintKind, Index, ObjectKind, SchemaSnapshot, Table
from dbsage.tools.targets import Target

if TYPE_CHECKING:
    from dbsage.tools.activity import ActivityReport
    from dbsage.tools.checks import CheckReport, Thresholds
    from dbsage.tools.engines.postgres.stats import TopReport
    from dbsage.tools.explain import ExplainResult

_KINDS: dict[str, ObjectKind] = {
    "r": "table", "p": "partitioned table", "v": "view", "m": "materialized view", "f": "foreign table",
}
_CONSTRAINT_KINDS: dict[str, ConstraintKind] = {
    "p": "primary key", "f": "foreign key", "u": "unique", "c": "check", "x": "exclusion",
}




def session_options(limits: SessionLimits) -> str:
    """libpq `options`: settings the server applies to the whole session before any statement runs."""
    settings = {
        "default_transaction_read_only": "on",
        "statement_timeout": limits.statement_timeout_ms,
        "lock_timeout": limits.lock_timeout_ms,
        "idle_in_transaction_session_timeout": limits.idle_in_transaction_timeout_ms,
    }
    return " ".join(f"-c {key}={value}" for key, value in settings.items())


class PostgresEngine(EngineBase):
    name = "postgres"

    def __init__(self, target: Target, limits: SessionLimits) -> None:
        self.target = target
        self.limits = limits
        self._kwargs: dict[str, Any] = {
            "application_name": "dbsage",
            "options": session_options(limits),
            "connect_timeout": limits.connect_timeout_s,
        }
        self._pool: ConnectionPool | None = None
        self.pool_size = limits.pool_size  # lowered to the server's free slots when the pool opens (pool.py)
        self._running: set[psycopg.Connection[Any]] = set()  # checked out now: what cancel() stops
        self._running_lock = threading.Lock()
        self._pool_lock = threading.Lock()

    # -- connections ---------------------------------------------------------------------------------------------

    def _open_pool(self) -> ConnectionPool:
        with self._pool_lock:  # an MCP server's concurrent first calls must open one pool, not one each
            if self._pool is None:
                self.pool_size = self._probe_login()  # a clear error now beats a pool timeout later
                # check: a connection the server dropped while idle is replaced on checkout, not given to a call
                pool = ConnectionPool(
                    self.target.dsn, kwargs=self._kwargs, min_size=1, max_size=self.pool_size, open=False,
                    name="dbsage", configure=self._configure, reset=self._reset,
                    check=ConnectionPool.check_connection,
                )
                pool.open(wait=True, timeout=self.limits.connect_timeout_s * 2)
                self._pool = pool
            return self._pool

    def _probe_login(self) -> int:
        """Log in once; return the pool size the server's free connection slots allow."""
        try:
            with psycopg.connect(self.target.dsn, **self._kwargs) as conn:
                return pool_size(conn, self.limits.pool_size)
        except psycopg.Error as exc:
            raise TargetUnreachable(
                f"cannot connect to {self.target.display}: {redact_dsn(str(exc), self.target.dsn).strip()}",
                "check the server is running and the DSN (--db, DBSAGE_DB or PG* variables) is right",
            ) from None

    @staticmethod
    def _configure(conn: psycopg.Connection[Any]) -> None:
        # dbsage's own statements (catalog reads, guarded cursors, EXPLAINs) must not crowd the application's out of
        # `dbsage top`. Only a superuser may turn tracking off for its session; a read-only role gets the same from
        # `ALTER ROLE … SET pg_stat_statements.track = 'none'` in the role recipe. Without the module the name is a
        # harmless placeholder.
        infinity_safe(conn.adapters)  # 'infinity' dates and timestamps (a role's VALID UNTIL) load as text (values.py)
        try:
            conn.execute("SET pg_stat_statements.track = 'none'")
            conn.commit()
        except psycopg.Error:
            conn.rollback()

    @staticmethod
    def _reset(conn: psycopg.Connection[Any]) -> None:
        # A pooled connection must come back clean: no open transaction, no hypothetical indexes left by what-if.
        conn.rollback()
        with conn.cursor() as cur:
            # Defence in depth: no session-level advisory lock or LISTEN outlives the call (the guard refuses both).
            cur.execute("SELECT pg_catalog.pg_advisory_unlock_all()")
            cur.execute("UNLISTEN *")
            cur.execute("SELECT to_regprocedure('hypopg_reset()') IS NOT NULL")
            row = cur.fetchone()
            if row and row[0]:
                cur.execute("SELECT hypopg_reset()")
        conn.rollback()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection inside a READ ONLY transaction that is always rolled back."""
        pool = self._open_pool()
        asked = time.monotonic()
        try:
            with pool.connection(timeout=self.limits.connect_timeout_s * 2) as conn:
                waited = time.monotonic() - asked
                conn.read_only = True
                with self._running_lock:
                    self._running.add(conn)
                try:
                    yield conn
                except DbsageError as error:  # a lost connection, a timeout: typed (pool.py), with any wait said
                    typed = typed_failure(error, conn, waited, self.target.display)
                    if typed is error:
                        raise
                    raise typed from error
                finally:
                    with self._running_lock:
                        self._running.discard(conn)
                    if not conn.broken:
                        conn.rollback()
        except PoolTimeout:
            waiting = pool.get_stats().get("requests_waiting", 0)
            raise exhausted(self.pool_size, time.monotonic() - asked, waiting, self.target.display) from None
        except psycopg.OperationalError as exc:  # dropped outside a statement (rollback, our own catalog reads)
            raise lost(exc, self.target.display) from None

    def catalog_query(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run dbsage's own read-only SQL (not user input) and return dict rows."""
        with self.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            try:
                cur.execute(sql, params)  # our SQL, from tools/sql or literals
                return cur.fetchall() if cur.description else []
            except psycopg.Error as exc:
                raise DatabaseError(f"PostgreSQL error: {redact(str(exc)).strip()}") from None

    def run(self, statement: str | dict[str, Any], *, max_rows: int | None = None) -> QueryResult:
        """The protocol's `run`: SQL text (run_sql)."""
        if not isinstance(statement, str):
            raise UsageError("a PostgreSQL target takes SQL text", "pass one statement, e.g. SELECT 1")
        return self.run_sql(statement, max_rows=max_rows)

    def run_sql(self, sql: str, *, max_rows: int | None = None) -> QueryResult:
        """One statement through the read-only guard, then run read-only with timeout and caps (postgres_query)."""
        from dbsage.tools.engines.postgres.query import run_sql

        return run_sql(self, sql, max_rows=max_rows)

    def cancel(self) -> None:
        """Stop the statements this engine's connections are running now: the server cancels them (as Ctrl-C in
        psql does) and the call that ran one fails with PostgreSQL's "canceling statement" error."""
        with self._running_lock:
            running = list(self._running)
        for conn in running:
            conn.cancel_safe(timeout=self.limits.connect_timeout_s)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    # -- introspection -------------------------------------------------------------------------------------------

    def introspect(self, object_name: str | None = None) -> SchemaSnapshot:
        """The whole schema in four bulk catalog queries, or the one relation `object_name` names (none: no tables).
        One connection checkout: the name is resolved on the same transaction the rows are read in."""
        parts: dict[str, list[dict[str, Any]]] = {}
        with self.connection() as conn, conn.cursor(row_factory=dict_row) as cur, _catalog_errors(self.limits):
            cur.execute("SELECT current_database() AS db")
            database = cur.fetchone()["db"]  # type: ignore[index]
            oid = None
            if object_name:
                cur.execute(_sql("resolve_relation"), {"name": object_name})
                found = cur.fetchone()
                if found is None:
                    return SchemaSnapshot(engine=self.name, target=self.target.display, database=database)
                oid = found["oid"]
            for part in ("relations", "columns", "constraints", "indexes"):
                cur.execute(_sql(part), {"oid": oid})
                parts[part] = cur.fetchall()
            tables = add_relation_extras(cur, _assemble(**parts), oid)  # partitions, triggers, view queries
            since, days = stats_age(cur)
        return SchemaSnapshot(engine=self.name, target=self.target.display, database=database,
                              tables=tables, index_stats_since=since, index_stats_days=days)

    def what_if(self) -> AbstractContextManager[PostgresWhatIf]:
        """The advisor's backend: hypothetical indexes and planner costs on one read-only connection."""
        return what_if_session(self)

    def explain(self, sql: str, analyze: bool = False) -> ExplainResult:
        """Plan + insights (postgres_explain.py); `analyze` runs plain reads only, rolled back, with the timeout."""
        from dbsage.tools.engines.postgres.explain import explain_statement

        return explain_statement(self, sql, run=analyze)

    def top_statements(self, sort: str = "total", limit: int = 20, include_utility: bool = False) -> TopReport:
        """The heaviest statements from pg_stat_statements (postgres_stats.py)."""
        from dbsage.tools.engines.postgres.stats import top_statements

        return top_statements(self, sort=sort, limit=limit, include_utility=include_utility)

    def activity(self, limit: int = 50) -> ActivityReport:
        """Sessions busy now, lock waits (who blocks whom), idle in transaction (postgres/activity.py)."""
        from dbsage.tools.engines.postgres.activity import activity

        return activity(self, limit)

    def checks(self, thresholds: Thresholds | None = None) -> CheckReport:
        """The health checkup: findings by family and the scorecard (postgres_checks.py)."""
        from dbsage.tools.engines.postgres.checks import run_checks

        return run_checks(self, thresholds)

    # -- capabilities --------------------------------------------------------------------------------------------

    def server_report(self) -> ServerReport:
        with self.connection() as conn, conn.cursor(row_factory=dict_row) as cur, _catalog_errors(self.limits):
            cur.execute(_sql("capabilities"))
            facts = cur.fetchone()
            cur.execute(_sql("writable_objects"))
            writable = [row["what"] for row in cur.fetchall()]
        assert facts is not None  # the capabilities query always returns one row
        major = int(facts["version_num"]) // 10000
        return ServerReport(
            engine=self.name,
            target=self.target.display,
            version=f"PostgreSQL {facts['version']}",
            capabilities=_capabilities(facts, major),
            login=self._login_report(facts, writable),
        )

    @staticmethod
    def _login_report(facts: dict[str, Any], privileges: list[str]) -> LoginReport:
        report = LoginReport(
            user=facts["current_user"],
            superuser=bool(facts["superuser"]),
            can_write=bool(facts["superuser"]) or bool(privileges),
            write_privileges=privileges,
            read_only_role_sql=read_only_role_sql(facts["database"], facts["schemas"] or ["public"]),
        )
        if report.superuser:
            report.warnings.append(
                f"{report.user} is a superuser: the agent should log in as a read-only role (SQL below)"
            )
        elif report.can_write:
            examples = ", ".join(privileges[:3])
            report.warnings.append(f"{report.user} can change data ({examples}…): prefer a read-only role")
        return report


@contextmanager
def _catalog_errors(limits: SessionLimits) -> Iterator[None]:
    """Driver errors of dbsage's own catalog reads as typed errors: a huge schema meets the statement timeout, a
    migration's ACCESS EXCLUSIVE lock the lock timeout (sizes open each relation)."""
    try:
        yield
    except psycopg.errors.LockNotAvailable:
        raise DatabaseError(f"a table is locked by another session (lock timeout {limits.lock_timeout_ms} ms)",
                            "retry when the other session (e.g. a migration) has finished; see pg_locks") from None
    except psycopg.errors.QueryCanceled:
        raise DatabaseError(f"reading the catalog took longer than the {limits.statement_timeout_ms} ms statement "
                            "timeout", "name one object (schema.table) instead of reading the whole schema") from None
    except psycopg.Error as exc:
        raise DatabaseError(f"PostgreSQL error: {redact(str(exc)).strip()}") from None


def _assemble(
    relations: list[dict[str, Any]],
    columns: list[dict[str, Any]],
    constraints: list[dict[str, Any]],
    indexes: list[dict[str, Any]],
) -> list[Table]:
    """Group the bulk catalog rows by relation: four queries for the whole schema, however many tables."""
    cols_by: dict[int, list[Column]] = defaultdict(list)
    for row in columns:
        cols_by[row["oid"]].append(
            Column(name=row["name"], type=row["type"], nullable=row["nullable"], default=row["default"],
                   comment=row["comment"])
        )
    cons_by: dict[int, list[Constraint]] = defaultdict(list)
    for row in constraints:
        cons_by[row["oid"]].append(
            Constraint(name=row["name"], kind=_CONSTRAINT_KINDS[row["contype"]], columns=row["columns"] or [],
                       definition=row["definition"], references_table=row["ref_table"],
                       references_columns=row["ref_columns"] or [])
        )
    idx_by: dict[int, list[Index]] = defaultdict(list)
    for row in indexes:
        idx_by[row["oid"]].append(
            Index(name=row["name"], columns=row["columns"] or [], definition=row["definition"], unique=row["unique"],
                  primary=row["primary"], valid=row["valid"], size_bytes=row["size_bytes"], scans=row["scans"],
                  backs_constraint=row["constraint_name"], partitioned=bool(row.get("partitioned")),
                  attached_to=row.get("attached_to"))
        )
    return [
        Table(
            schema_name=rel["schema"], name=rel["name"], kind=_KINDS[rel["relkind"]],
            columns=cols_by[rel["oid"]], constraints=cons_by[rel["oid"]], indexes=idx_by[rel["oid"]],
            row_estimate=rel["row_estimate"] if (rel["row_estimate"] or 0) >= 0 else None,
            size_bytes=rel["size_bytes"], comment=rel["comment"], partition_of=rel.get("partition_of"),
        )
        for rel in relations
    ]


def pkg(major: int) -> str:
    return f"postgresql-{major}"


def _capabilities(facts: dict[str, Any], major: int) -> list[Capability]:
    # Fix texts name only the steps still missing, in order ("; then " joins them): no install for an installed
    # package, no "then" without a first step. A login that may not read shared_preload_libraries gets "unknown"
    # and the GRANT that would tell.
    preload: str | None = facts["preload"]
    hidden = preload is None
    reveal = f"a superuser can GRANT pg_read_all_settings TO {facts['current_user']}"
    pss_installed = facts["pss_installed"]
    pss_preloaded = None if hidden else "pg_stat_statements" in (preload or "")
    qual_installed, qual_available = facts["qualstats_installed"], facts["qualstats_available"]
    qual_preloaded = None if hidden else "pg_qualstats" in (preload or "")

    def steps(*pairs: tuple[bool, str]) -> str | None:
        return "; then ".join(step for needed, step in pairs if needed) or None

    def preload_step(name: str) -> str:
        if hidden:
            return (f"make sure {name} is in shared_preload_libraries (this login cannot see it: {reveal}) and "
                    "restart if you add it")
        return f"add {name} to shared_preload_libraries and restart"

    def preload_word(preloaded: bool | None) -> str:
        return {True: "preloaded", False: "not in shared_preload_libraries"}.get(
            preloaded, "shared_preload_libraries not readable by this login")  # type: ignore[arg-type]

    return [
        Capability(
            name="pg_stat_statements",
            available=None if hidden and pss_installed else bool(pss_installed and pss_preloaded),
            detail=f"extension {'installed' if pss_installed else 'not installed'} in this database; "
            + preload_word(pss_preloaded),
            fix=reveal if hidden and pss_installed else steps(
                (pss_preloaded is not True, preload_step("pg_stat_statements")),
                (not pss_installed, "CREATE EXTENSION pg_stat_statements;")),
        ),
        Capability(
            name="hypopg",
            available=bool(facts["hypopg_installed"]),
            detail="installed" if facts["hypopg_installed"] else (
                "available, not installed" if facts["hypopg_available"] else "not available on the server"),
            fix=None if facts["hypopg_installed"] else (
                "CREATE EXTENSION hypopg;" if facts["hypopg_available"]
                else f"apt-get install {pkg(major)}-hypopg (or build hypopg); then CREATE EXTENSION hypopg;"),
        ),
        Capability(
            name="pg_qualstats",
            available=None if hidden and qual_installed else bool(qual_installed and qual_preloaded),
            detail=("installed" if qual_installed else "available, not installed" if qual_available
                    else "not available on the server") + "; " + preload_word(qual_preloaded),
            fix=reveal if hidden and qual_installed else steps(
                (not qual_available and not qual_installed, f"apt-get install {pkg(major)}-pg-qualstats"),
                (qual_preloaded is not True, preload_step("pg_qualstats")),
                (not qual_installed, "CREATE EXTENSION pg_qualstats;")),
        ),
        Capability(
            name="track_io_timing",
            available=facts["track_io_timing"] == "on",
            detail=f"track_io_timing = {facts['track_io_timing']}",
            fix=None if facts["track_io_timing"] == "on"
            else "ALTER SYSTEM SET track_io_timing = on; SELECT pg_reload_conf();",
        ),
    ]
