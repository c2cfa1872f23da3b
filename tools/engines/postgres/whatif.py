"""What-if costing on PostgreSQL: hypothetical indexes (hypopg) and EXPLAIN costs inside a read-only transaction.

Statements with parameters ($1 …, as pg_stat_statements records them) are planned as *generic plans*: PREPARE, then
EXPLAIN EXECUTE with NULL arguments under `plan_cache_mode = force_generic_plan` (PostgreSQL 15 has no
EXPLAIN (GENERIC_PLAN)). We chose generic plans over values sampled from pg_stats because the statistics view keeps
no values: a generic plan is costed with the planner's own average selectivity for "any value", which is what the
server uses for a cached prepared statement, while one sampled value can be a common or a rare one and swing the
plan. The statement is prepared afresh for each index set, since a cached plan would not see new hypothetical
indexes.

Hypothetical indexes live in the backend's memory, not in the transaction: the session keeps the set that exists
and changes it by difference, and resets them all when it ends (the pool's reset does it again).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.rows import dict_row

from dbsage.tools.advisor.backend import PlanCost
from dbsage.tools.advisor.candidate import IndexCandidate
from dbsage.tools.advisor.facts import ColumnStats, TableFacts
from dbsage.tools.advisor.workload import WeightBy, WorkloadStatement
from dbsage.tools.errors import CapabilityMissing, DatabaseError
from dbsage.tools.guard import GuardedStatement
from dbsage.tools.redact import redact

if TYPE_CHECKING:
    from dbsage.tools.engines.postgres.adapter import PostgresEngine

GENERIC_PLANS = ("generic plans: PREPARE + plan_cache_mode = force_generic_plan + EXPLAIN EXECUTE with NULL "
                 "arguments (the plan the server caches for any value; pg_stat_statements keeps no values to sample)")
_PREPARED = "dbsage_whatif"


class PostgresWhatIf:
    """The advisor's backend on one pooled connection (READ ONLY transaction, session timeouts)."""

    parameters_note = GENERIC_PLANS

    def __init__(self, conn: psycopg.Connection[Any], hypopg_fix: str | None, timeout_ms: int) -> None:
        self.conn = conn
        self.timeout_ms = timeout_ms
        self.fix = hypopg_fix
        self.hypothetical = hypopg_fix is None
        self._statements: dict[str, tuple[str, int]] = {}
        self._live: dict[IndexCandidate, tuple[int, str]] = {}
        self._sizes: dict[IndexCandidate, int] = {}
        self._cache: dict[tuple[str, frozenset[IndexCandidate]], PlanCost] = {}
        self._explains = 0
        conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")

    @property
    def plans_costed(self) -> int:
        return self._explains

    # -- hypothetical indexes --------------------------------------------------------------------------------------

    def _materialize(self, indexes: frozenset[IndexCandidate]) -> dict[str, str]:
        """Make exactly `indexes` exist; return hypopg's index name → candidate name."""
        for candidate in [c for c in self._live if c not in indexes]:
            oid, _ = self._live.pop(candidate)
            self.conn.execute("SELECT hypopg_drop_index(%s)", (oid,))
        for candidate in indexes:
            if candidate not in self._live:
                self._live[candidate] = self._create(candidate)
        return {name: c.name for c, (_, name) in self._live.items()}

    def _create(self, candidate: IndexCandidate) -> tuple[int, str]:
        try:
            with self.conn.transaction():
                row = self.conn.execute("SELECT indexrelid, indexname FROM hypopg_create_index(%s)",
                                        (candidate.hypothetical_sql(),)).fetchone()
        except psycopg.Error as exc:
            raise DatabaseError(f"hypopg could not create {candidate.hypothetical_sql()}: "
                                f"{redact(str(exc)).strip()}") from None
        assert row is not None
        return int(row[0]), str(row[1])

    def index_size(self, candidate: IndexCandidate) -> int:
        if candidate not in self._sizes:
            self._materialize(frozenset(self._live) | {candidate})
            oid = self._live[candidate][0]
            row = self.conn.execute("SELECT hypopg_relation_size(%s)", (oid,)).fetchone()
            self._sizes[candidate] = int(row[0]) if row else 0
        return self._sizes[candidate]

    def unindexable(self, candidate: IndexCandidate) -> str | None:
        """Why PostgreSQL would refuse to build the candidate, or None. The catalogs are read first (the same answer
        with or without hypopg); with hypopg, creating the hypothetical index is the server's own final word."""
        from dbsage.tools.engines.postgres.mutability import not_immutable

        try:
            reason = not_immutable(self.conn, candidate)
        except psycopg.Error as exc:
            return f"PostgreSQL cannot check it: {redact(str(exc)).strip().splitlines()[0]}"
        if reason is not None or not self.hypothetical:
            return reason
        try:
            self.index_size(candidate)
        except DatabaseError as exc:
            return exc.message.replace(f"hypopg could not create {candidate.hypothetical_sql()}: ", "")
        return None

    def table_facts(self, table_keys: set[str]) -> dict[str, TableFacts]:
        """pg_class sizes and visibility map, pg_stats common values, for candidate generation. A login that may not
        read them gets no facts (candidates as without them), not an error."""
        from dbsage.tools.engines.postgres.sqlfiles import load as _sql

        facts: dict[str, TableFacts] = {}
        try:
            with self.conn.transaction(), self.conn.cursor(row_factory=dict_row) as cur:
                cur.execute(_sql("advisor_tables"), {"tables": sorted(table_keys)})
                for row in cur.fetchall():
                    facts[row["table_key"]] = TableFacts(rows=float(row["rows"] or 0), pages=int(row["pages"] or 0),
                                                         all_visible=int(row["all_visible"] or 0))
                cur.execute(_sql("advisor_stats"), {"tables": sorted(table_keys)})
                for row in cur.fetchall():
                    table = facts.setdefault(row["table_key"], TableFacts())
                    values, freqs = row["common_values"] or [], row["common_freqs"] or []
                    table.columns[row["column_name"]] = ColumnStats(
                        null_frac=float(row["null_frac"] or 0), n_distinct=float(row["n_distinct"] or 0),
                        common={str(v): float(f) for v, f in zip(values, freqs, strict=False)})
                cur.execute(_sql("advisor_collations"), {"tables": sorted(table_keys)})
                for row in cur.fetchall():
                    facts.setdefault(row["table_key"], TableFacts()).c_collated.add(row["column_name"])
                for table in facts.values():
                    table.collations_known = True
        except psycopg.Error:
            return {}
        return facts

    def reset(self) -> None:
        if self.hypothetical:
            self.conn.execute("SELECT hypopg_reset()")
        self._live.clear()

    # -- plans -----------------------------------------------------------------------------------------------------

    def register(self, statement_id: str, statement: GuardedStatement, parameter_count: int) -> PlanCost:
        # The session layer every guarded path enters (timeout, pg_catalog first on the search_path, refusal when a
        # user function shadows a name the statement calls): the planner folds immutable functions even in EXPLAIN.
        from dbsage.tools.engines.postgres.query import enter_guarded_session

        try:
            with self.conn.transaction(), self.conn.cursor() as cur:
                enter_guarded_session(cur, statement, self.timeout_ms)
        except psycopg.Error as exc:
            raise DatabaseError(f"PostgreSQL error: {redact(str(exc)).strip().splitlines()[0]}") from None
        self._statements[statement_id] = (statement.sql.strip().rstrip(";"), parameter_count)
        try:
            return self.plan(statement_id, frozenset())
        except DatabaseError:
            del self._statements[statement_id]
            raise

    def cost(self, statement_id: str, indexes: frozenset[IndexCandidate]) -> float:
        return self.plan(statement_id, indexes).total

    def plan(self, statement_id: str, indexes: frozenset[IndexCandidate]) -> PlanCost:
        key = (statement_id, indexes)
        if key not in self._cache:
            names = self._materialize(indexes) if self.hypothetical else {}
            document = self._explain(*self._statements[statement_id])
            root = document[0]["Plan"]
            uses = frozenset(names.get(n, n) for n in _index_names(root))
            self._cache[key] = PlanCost(total=float(root["Total Cost"]), uses=uses)
        return self._cache[key]

    def _explain(self, sql: str, parameter_count: int) -> Any:
        self._explains += 1
        prepared = False
        try:
            with self.conn.transaction(), self.conn.cursor() as cur:
                if parameter_count == 0:
                    cur.execute(f"EXPLAIN (FORMAT JSON) {sql}")  # guard-checked
                    return _document(cur.fetchone())
                cur.execute(f"PREPARE {_PREPARED} AS {sql}")  # guard-checked
                prepared = True
                nulls = ", ".join(["NULL"] * parameter_count)
                cur.execute(f"EXPLAIN (FORMAT JSON) EXECUTE {_PREPARED}({nulls})")
                return _document(cur.fetchone())
        except psycopg.errors.QueryCanceled:
            raise DatabaseError("planning took longer than the statement timeout") from None
        except psycopg.Error as exc:
            raise DatabaseError(f"PostgreSQL cannot plan it: {redact(str(exc)).strip().splitlines()[0]}") from None
        finally:
            if prepared:  # a prepared statement outlives the savepoint's rollback
                self.conn.execute(f"DEALLOCATE {_PREPARED}")

    # -- workload --------------------------------------------------------------------------------------------------

    def statistics_workload(self, weight_by: WeightBy, limit: int = 100) -> list[WorkloadStatement]:
        """The heaviest statements of this database in pg_stat_statements."""
        from dbsage.tools.engines.postgres.sqlfiles import load as _sql

        try:
            with self.conn.transaction(), self.conn.cursor(row_factory=dict_row) as cur:
                cur.execute(_sql("workload"), {"weight_by": weight_by, "limit": limit})
                rows = cur.fetchall()
        except psycopg.Error as exc:
            raise self._workload_unreadable(exc) from None
        return [WorkloadStatement(id=f"queryid {r['id']}", sql=r["query"], calls=int(r["calls"]),
                                  total_ms=float(r["total_ms"]), weight=float(r["calls"]), source="pg_stat_statements")
                for r in rows]

    def _workload_unreadable(self, exc: psycopg.Error) -> CapabilityMissing | DatabaseError:
        """Missing or not preloaded: the same steps as `dbsage top` gives; the server's own error otherwise."""
        from dbsage.tools.engines.postgres.sqlfiles import load as _sql
        from dbsage.tools.engines.postgres.stats import unusable

        with self.conn.transaction(), self.conn.cursor(row_factory=dict_row) as cur:
            cur.execute(_sql("pss_status"), {})
            status = cur.fetchone() or {}
        if "shared_preload_libraries" in str(exc):  # the view's own refusal: settles it for a login that cannot read it
            status["preloaded"] = False
        if status["installed"] and status["preloaded"] is not False:
            return DatabaseError(f"cannot read pg_stat_statements: {redact(str(exc)).strip()}",
                                 "pass the statements to advise with --workload FILE|DIR")
        return unusable(status, "; or pass the statements to advise with --workload FILE|DIR")

def _document(row: Any) -> Any:
    value = row[0] if row else None
    return json.loads(value) if isinstance(value, str) else value


def _index_names(node: dict[str, Any]) -> Iterator[str]:
    if node.get("Index Name"):
        yield str(node["Index Name"])
    for child in node.get("Plans", []):
        yield from _index_names(child)


def _untracked(conn: psycopg.Connection[Any]) -> None:
    """Keep the advisor's own EXPLAINs out of pg_stat_statements, where the next `top`/`advise` would read them.

    Only a superuser may change the setting; for anyone else it fails harmlessly (the workload query filters
    hypopg calls, and EXPLAIN is not a SELECT).
    """
    try:
        with conn.transaction():
            conn.execute("SET LOCAL pg_stat_statements.track = 'none'")
    except psycopg.Error:
        pass


@contextmanager
def what_if_session(engine: PostgresEngine) -> Iterator[PostgresWhatIf]:
    """A what-if backend on one connection of `engine`; hypothetical indexes are reset afterwards."""
    with engine.connection() as conn:
        row = conn.execute(
            "SELECT (SELECT extversion FROM pg_extension WHERE extname = 'hypopg'),"
            " EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg'),"
            " current_setting('server_version_num')::int / 10000").fetchone()
        assert row is not None
        installed, available, major = row
        fix = None if installed else (
            "CREATE EXTENSION hypopg;" if available
            else f"apt-get install postgresql-{major}-hypopg (or build it from source), then CREATE EXTENSION hypopg;")
        _untracked(conn)
        session = PostgresWhatIf(conn, fix, engine.limits.statement_timeout_ms)
        try:
            yield session
        finally:
            if not conn.closed and conn.info.transaction_status != psycopg.pq.TransactionStatus.INERROR:
                session.reset()
