"""Guarded execution on PostgreSQL: run one statement the guard accepted, inside every database-side limit.

The connection is already READ ONLY with session timeouts (PostgresEngine.connection). Per call we add, with
transaction-local settings: the statement timeout, a search_path with pg_catalog first (so a user function cannot
shadow a built-in), standard_conforming_strings on (the guard's parser assumes it). A SELECT runs in a server-side
cursor and at most max_rows / max_bytes are fetched; closing the cursor stops the statement on the server. A
client-side watchdog cancels the statement if the server has not answered shortly after the timeout. The
transaction is always rolled back.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import errors

from dbsage.tools.engines.postgres.reads import judged_reads
from dbsage.tools.engines.postgres.sqlfiles import load as _sql
from dbsage.tools.engines.postgres.values import as_postgres_writes
from dbsage.tools.errors import DatabaseError, GuardRefusal
from dbsage.tools.guard import GuardedStatement, check
from dbsage.tools.query_result import QueryResult, RowCollector
from dbsage.tools.redact import redact

if TYPE_CHECKING:
    from dbsage.tools.engines.postgres.adapter import PostgresEngine

_WATCHDOG_GRACE_S = 2.0
# psycopg sends a named cursor's query as DECLARE "<name>" CURSOR FOR <query>; the server quotes that in errors.
_CURSOR = "dbsage_guarded"

_BATCH = 100


def run_sql(engine: PostgresEngine, sql: str, *, max_rows: int | None = None) -> QueryResult:
    """Check `sql` with the guard and run it read-only, bounded."""
    return run_guarded(engine, check(sql, "postgres"), max_rows=max_rows)


def run_guarded(engine: PostgresEngine, statement: GuardedStatement, *, max_rows: int | None = None) -> QueryResult:
    """Run an accepted statement under the session layer: read-only, timeout, caps, rollback."""
    limits = engine.limits
    collector = RowCollector(max_rows or limits.max_rows, limits.max_bytes)
    started = time.monotonic()
    with engine.connection() as conn:
        with conn.cursor() as cur:
            enter_guarded_session(cur, statement, limits.statement_timeout_ms)
        columns = _fetch(conn, statement.sql, statement.kind, collector, limits.statement_timeout_ms)
    return collector.result(engine="postgres", kind=statement.kind, columns=columns, started=started,
                            executes_inner=statement.executes_inner)


def enter_guarded_session(cur: psycopg.Cursor[Any], statement: GuardedStatement, timeout_ms: int) -> None:
    """The per-call session layer every path that sends guard-checked SQL must enter first (query, explain, what-if):
    transaction-local timeout and search_path, and a refusal when user code would answer to the statement's names or
    would run inside what it reads (a view's definition, a row-level security policy: engines/postgres/reads.py)."""
    _prepare(cur, timeout_ms)
    _refuse_shadowed(cur, statement)
    for what, inner in judged_reads(cur, statement):
        try:
            _refuse_shadowed(cur, inner)
        except GuardRefusal as refusal:
            raise GuardRefusal(f"{what}: {refusal.message}", refusal.hint) from None


def _prepare(cur: psycopg.Cursor[Any], timeout_ms: int) -> None:
    # Transaction-local (is_local = true): gone at the rollback that ends every call.
    cur.execute(
        "SELECT pg_catalog.set_config('statement_timeout', %(timeout)s, true),"
        " pg_catalog.set_config('standard_conforming_strings', 'on', true),"
        " pg_catalog.set_config('search_path', 'pg_catalog, ' || pg_catalog.current_setting('search_path'), true)",
        {"timeout": str(int(timeout_ms))},
    )


def _refuse_shadowed(cur: psycopg.Cursor[Any], statement: GuardedStatement) -> None:
    """Refuse when a user-defined function or operator answers to a name the statement uses unqualified, or when it
    casts to a user-defined type that runs code."""
    if statement.functions or statement.operators:
        cur.execute(_sql("shadowed_names"), {"functions": statement.functions, "operators": statement.operators})
        found = [f"{schema}.{name}()" if kind == "function" else f"operator {schema}.{name}"
                 for kind, schema, name in cur.fetchall()]
        if found:
            raise GuardRefusal(
                f"user-defined {', '.join(found)} on the search_path matches a name this statement uses; it would "
                "run instead of a built-in (or through column notation), and dbsage runs built-in functions only",
                "call the built-in as pg_catalog.<name>(), or drop/rename the user-defined one",
            )
    if statement.types:
        cur.execute(_sql("user_types"), {"names": statement.types})
        typed = [f"{kind} {name}" for name, kind in cur.fetchall()]
        if typed:
            raise GuardRefusal(f"casting to user-defined {', '.join(typed)} runs its functions or CHECK constraints; "
                               "dbsage runs built-in code only", "cast to the underlying built-in type instead")


def _fetch(conn: psycopg.Connection[Any], sql: str, kind: str, collector: RowCollector, timeout_ms: int) -> list[str]:
    """Fetch rows in small batches until the result ends or a cap is hit; return the column names.

    A SELECT runs in a server-side cursor, so the server produces only the rows fetched: a billion-row result costs
    what the caps allow, not what the query could return. EXPLAIN and SHOW output is small and fetched directly.
    """
    watchdog = threading.Timer(timeout_ms / 1000 + _WATCHDOG_GRACE_S, conn.cancel_safe)
    watchdog.daemon = True
    watchdog.start()
    try:
        # Extended protocol either way: the server itself refuses a second statement hidden in the text.
        with conn.cursor(name=_CURSOR) if kind == "select" else conn.cursor() as cur:
            as_postgres_writes(cur.adapters)  # infinity, intervals, NaN as PostgreSQL writes them (values.py)
            cur.execute(sql)
            columns = [d.name for d in cur.description or []]
            while batch := cur.fetchmany(_BATCH):
                if not all(collector.add(raw) for raw in batch):
                    break
            return columns
    except errors.QueryCanceled as exc:
        raise DatabaseError(
            f"PostgreSQL stopped the statement after the {timeout_ms / 1000:g} s statement timeout "
            f"({_server_text(exc)})",
            "narrow the query (add filters or LIMIT) or raise the limit with --timeout",
        ) from None
    except psycopg.Error as exc:
        raise DatabaseError(f"PostgreSQL error: {_server_text(exc)}") from None
    finally:
        watchdog.cancel()


def _server_text(exc: psycopg.Error) -> str:
    """The server's message, with the cursor wrapper taken out of the quoted line so the caret points into the
    user's own text (the server may have shortened the wrapper to "...LARE …")."""
    lines = redact(str(exc)).strip().splitlines()
    head, marker = "LINE 1: ", f'"{_CURSOR}" CURSOR FOR '
    for n, line in enumerate(lines):
        cut = line.find(marker)
        if line.startswith(head) and cut >= 0:
            removed = cut + len(marker) - len(head)
            lines[n] = head + line[cut + len(marker):]
            caret = lines[n + 1] if n + 1 < len(lines) else ""
            if caret.strip() == "^" and caret.startswith(" " * removed):
                lines[n + 1] = caret[removed:]
    return "\n".join(lines)
