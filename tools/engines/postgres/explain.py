"""EXPLAIN on PostgreSQL: guard first, then the plan in JSON inside the engine's read-only, rolled-back session.

`--analyze` runs the statement for real, so it is allowed only when the guard classifies it as a plain read; it runs
inside the same READ ONLY transaction (rolled back afterwards) under the session's statement_timeout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.rows import dict_row

from dbsage.tools.errors import DatabaseError, UsageError
from dbsage.tools.explain import ExplainContext, ExplainResult, TableFacts, analyze
from dbsage.tools.explain.query_text import referenced_tables
from dbsage.tools.redact import redact

if TYPE_CHECKING:
    from dbsage.tools.engines.postgres.adapter import PostgresEngine
    from dbsage.tools.guard import GuardedStatement

EXECUTABLE = {"select"}  # guard kinds EXPLAIN ANALYZE may execute: plain reads
_SETTINGS = ("work_mem", "max_parallel_workers_per_gather", "max_parallel_workers", "random_page_cost")


def explain_statement(engine: PostgresEngine, sql: str, *, run: bool = False) -> ExplainResult:
    """Plan (and with `run`, execute and measure) one statement; insights included."""
    from dbsage.tools import guard
    from dbsage.tools.guard.postgres import parse_one

    statement = sql.strip().rstrip(";").strip()
    if not statement:
        raise UsageError("no statement to explain", "pass the SQL as an argument: dbsage explain 'SELECT ...'")
    if statement.split(None, 1)[0].lower() == "explain":
        raise UsageError("the statement already starts with EXPLAIN", "pass the query itself; add --analyze to run it")
    # Syntax and "exactly one statement" are judged on the user's own text first, so an error's position points
    # into it rather than into the EXPLAIN (…) wrapper sent below.
    parameters = _parameter_count(parse_one(statement))
    if run and parameters:
        raise UsageError(f"--analyze runs the statement, and it has parameters ($1…${parameters}) without values",
                         "drop --analyze for the generic plan, or write the values in place of the parameters")
    if run and guard.check(statement, "postgres").kind not in EXECUTABLE:
        raise UsageError("--analyze runs the statement, so it is only for plain reads (SELECT)",
                         "drop --analyze to see the plan without running it")
    options = "ANALYZE, BUFFERS, SETTINGS, FORMAT JSON" if run else "SETTINGS, FORMAT JSON"
    # The guard judges what is actually sent: plan-only EXPLAIN of any allowed statement; ANALYZE of reads only.
    sent = guard.check(f"EXPLAIN ({options}) {statement}", "postgres")
    document, context = _run(engine, sent, statement, parameters)
    result = analyze(document, statement, context)
    if parameters:
        result.notes.append(f"planned generically, as a prepared statement whose {parameters} parameter(s) have no "
                            "values yet: estimates use average selectivity for them")
        if isinstance(document, list) and document and document[0].get("dbsage pruning off"):
            result.notes.append("every partition is shown: with values, PostgreSQL skips at run time the "
                                "partitions the parameters rule out")
    if run:
        result.notes.append("executed with EXPLAIN ANALYZE inside a read-only transaction that was rolled back "
                            f"(statement_timeout {engine.limits.statement_timeout_ms} ms)")
    return result


_GENERIC = "dbsage_generic_plan"


def _parameter_count(tree: Any) -> int:
    from pglast import ast

    from dbsage.tools.guard.postgres import walk

    return max((node.number or 0 for node in walk(tree) if isinstance(node, ast.ParamRef)), default=0)


def _generic_explain(cur: psycopg.Cursor[Any], statement: str, parameters: int, options: str) -> Any:
    """EXPLAIN of a statement with $n parameters and no values: PREPARE it (the parameter types come from their
    context) and EXPLAIN EXECUTE it with NULLs under force_generic_plan, so the plan is the one the server would
    use for any values — what PostgreSQL 16's EXPLAIN (GENERIC_PLAN) gives, on every version. Nothing executes:
    EXPLAIN without ANALYZE only plans."""
    cur.execute("SELECT pg_catalog.set_config('plan_cache_mode', 'force_generic_plan', true)")
    document = _explain_prepared(cur, statement, parameters, options)
    if _pruned_at_start(document):
        # EXECUTE prunes partitions at start-up with the NULLs given for the parameters, hiding the partitions
        # real values would read: plan again with pruning off so that they show (a note says so). The setting
        # must be in place before PREPARE: a cached plan keeps the pruning it was made with.
        cur.execute("SELECT pg_catalog.set_config('enable_partition_pruning', 'off', true)")
        document = _explain_prepared(cur, statement, parameters, options)
        if isinstance(document, list) and document:
            document[0]["dbsage pruning off"] = True
    return document


def _pruned_at_start(node: Any) -> bool:
    """Some Append in the plan dropped partitions when it started (Subplans Removed > 0)."""
    if isinstance(node, dict):
        return bool(node.get("Subplans Removed")) or any(_pruned_at_start(v) for v in node.values())
    if isinstance(node, list):
        return any(_pruned_at_start(v) for v in node)
    return False


def _explain_prepared(cur: psycopg.Cursor[Any], statement: str, parameters: int, options: str) -> Any:
    # The prepared statement outlives a rollback, so it is deallocated here whatever happens; the rollback (to a
    # savepoint, keeping the transaction-local settings) lets DEALLOCATE run after an error.
    cur.execute("SAVEPOINT dbsage_generic")
    cur.execute(f"PREPARE {_GENERIC} AS {statement}")  # the guard judged `statement` (the inner of `sent`)
    try:
        cur.execute(f"EXPLAIN ({options}) EXECUTE {_GENERIC}({', '.join(['NULL'] * parameters)})")
        row = cur.fetchone()
        return next(iter(row.values())) if row else None
    finally:
        cur.execute("ROLLBACK TO SAVEPOINT dbsage_generic")
        cur.execute(f"DEALLOCATE {_GENERIC}")


def _run(engine: PostgresEngine, sent: GuardedStatement, statement: str,
         parameters: int = 0) -> tuple[Any, ExplainContext]:
    # The same session layer as guarded execution (postgres_query): transaction-local statement timeout,
    # pg_catalog first on the search_path, and a refusal when a user function shadows a name the statement calls
    # (the planner folds immutable functions even without ANALYZE).
    from dbsage.tools.engines.postgres.query import enter_guarded_session

    with engine.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        try:
            with conn.cursor() as plain:  # it reads tuple rows
                enter_guarded_session(plain, sent, engine.limits.statement_timeout_ms)
            if parameters:
                document = _generic_explain(cur, statement, parameters, sent.sql.split("(", 1)[1].split(")", 1)[0])
            else:
                cur.execute(sent.sql)  # guarded above
                row = cur.fetchone()
                document = next(iter(row.values())) if row else None
            conn.rollback()  # nothing the statement did survives, even inside a read-only transaction
            context = _context(cur, document, statement)
        except psycopg.errors.QueryCanceled:
            raise DatabaseError(
                f"the statement ran longer than the {engine.limits.statement_timeout_ms} ms statement timeout",
                "run without --analyze to see the plan without executing it") from None
        except psycopg.Error as exc:
            raise DatabaseError(f"PostgreSQL error: {redact(str(exc)).strip()}",
                                "check the statement runs on its own (table and column names; a parameter whose type "
                                "the statement does not settle needs a cast, e.g. $1::int)") from None
    return document, context


def _plan_relations(node: dict[str, Any]) -> list[str]:
    names = []
    if node.get("Relation Name"):
        names.append(f"{node['Schema']}.{node['Relation Name']}" if node.get("Schema") else node["Relation Name"])
    for child in node.get("Plans", []):
        names += _plan_relations(child)
    return names


def _context(cur: psycopg.Cursor[Any], document: Any, statement: str) -> ExplainContext:
    from dbsage.tools.engines.postgres.sqlfiles import load as _sql

    plan = document[0]["Plan"] if isinstance(document, list) and document else {}
    names = sorted(set(_plan_relations(plan)) | set(referenced_tables(statement)))
    tables: list[TableFacts] = []
    if names:
        cur.execute(_sql("explain_tables"), {"names": names})
        tables = [TableFacts(schema_name=r["schema"], name=r["name"], row_estimate=r["row_estimate"],
                             pages=r["pages"], columns=r["columns"], index_keys=r["index_keys"],
                             partition_root=r["partition_root"], partition_key=r["partition_key"] or [],
                             leaf_partitions=r["leaf_partitions"])
                  for r in cur.fetchall()]
    cur.execute("SELECT " + ", ".join(f"current_setting('{s}') AS {s}" for s in _SETTINGS))
    settings = cur.fetchone() or {}
    return ExplainContext(tables=tables, settings={k: str(v) for k, v in settings.items()})
