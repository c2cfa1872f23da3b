"""Run one pass of a migration (its up or its down) on the scratch and observe every statement: how long it took,
which table locks it took, whether it rewrote a table.

- A statement inside a transaction keeps every lock it took until the transaction ends, so the locks are read
  exactly, from its own session (pg_locks of its backend, before and after the statement).
- A statement outside a transaction (CREATE INDEX CONCURRENTLY, …) releases its locks as it goes: a second session
  polls pg_locks for its backend while it runs. A lock held for less than the polling interval can be missed; the
  result says which way each statement was observed.
- A rewrite shows as a new relfilenode for the same table (PostgreSQL wrote the table out again).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg

from dbsage.tools.migrations.draft.model import Step, transaction_groups
from dbsage.tools.migrations.rehearse.model import LockTaken, Pass, PassRun, StatementRun
from dbsage.tools.redact import redact

_USER_RELATION = ("coalesce(n.nspname, '') NOT IN ('pg_catalog', 'information_schema') "
                  "AND coalesce(n.nspname, '') NOT LIKE 'pg_toast%'")
_LOCKS = f"""
SELECT l.relation, c.oid::regclass::text, l.mode FROM pg_locks l
  LEFT JOIN pg_class c ON c.oid = l.relation LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE l.pid = %s AND l.locktype = 'relation' AND l.granted AND {_USER_RELATION.replace('%', '%%')}
"""
_RELATIONS = f"""
SELECT c.oid, c.oid::regclass::text, c.relfilenode, c.relkind IN ('r', 'm') FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {_USER_RELATION}
"""
Relations = dict[int, tuple[str, int, bool]]  # oid → (name, relfilenode, is a table or materialized view)
POLL_INTERVAL_S = 0.002


def run_pass(conn: psycopg.Connection[Any], watcher_dsn: str, steps: list[Step], name: Pass) -> PassRun:
    """Every transaction group of `steps` in order; the pass stops at the first statement that fails."""
    result = PassRun(name=name, seconds=0.0)
    started = time.perf_counter()
    for group in transaction_groups(steps):
        runs = _in_transaction(conn, group) if group[0].transactional else [_outside(conn, watcher_dsn, group[0])]
        result.statements += runs
        failed = next((r for r in runs if r.error), None)
        if failed is not None:
            result.ok, result.error = False, failed.error
            break
    result.seconds = round(time.perf_counter() - started, 4)
    return result


def _in_transaction(conn: psycopg.Connection[Any], group: list[Step]) -> list[StatementRun]:
    runs: list[StatementRun] = []
    pid = conn.info.backend_pid
    try:
        with conn.transaction():
            for step in group:
                runs.append(run := StatementRun(sql=step.sql, seconds=0.0))
                held, relations = _locks(conn, pid), _relations(conn)
                began = time.perf_counter()
                conn.execute(step.sql.encode())  # the migration's own SQL, on the scratch
                run.seconds = round(time.perf_counter() - began, 4)
                run.locks = _named(_locks(conn, pid) - held, relations)
                run.rewrote = _rewritten(relations, _relations(conn))
    except psycopg.Error as exc:
        if runs:
            runs[-1].error = _message(exc)
    return runs


def _outside(conn: psycopg.Connection[Any], watcher_dsn: str, step: Step) -> StatementRun:
    run = StatementRun(sql=step.sql, seconds=0.0, transactional=False, locks_observed="watched from a second session")
    relations = _relations(conn)
    seen: set[tuple[int, str | None, str]] = set()
    ready, done = threading.Event(), threading.Event()
    watcher = threading.Thread(target=_watch, args=(watcher_dsn, conn.info.backend_pid, seen, ready, done),
                               daemon=True)
    watcher.start()
    ready.wait(timeout=10)  # the watcher is connected before the statement starts
    began = time.perf_counter()
    try:
        conn.execute(step.sql.encode())
    except psycopg.Error as exc:
        run.error = _message(exc)
    finally:
        run.seconds = round(time.perf_counter() - began, 4)
        done.set()
        watcher.join(timeout=5)
    run.locks = _named(seen, relations)
    run.rewrote = _rewritten(relations, _relations(conn))
    return run


def _watch(dsn: str, pid: int, seen: set[tuple[int, str | None, str]], ready: threading.Event,
           done: threading.Event) -> None:
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=10, options="-c statement_timeout=5000",
                             application_name="dbsage rehearse (lock watcher)") as watcher:
            ready.set()
            while not done.is_set():
                seen.update(_locks(watcher, pid))
                time.sleep(POLL_INTERVAL_S)
            seen.update(_locks(watcher, pid))
    except psycopg.Error:
        ready.set()
        return  # no watcher: the statement still runs; its locks stay unknown


def _locks(conn: psycopg.Connection[Any], pid: int | None) -> set[tuple[int, str | None, str]]:
    return {(row[0], row[1], row[2]) for row in conn.execute(_LOCKS, (pid,)).fetchall()}


def _named(locks: set[tuple[int, str | None, str]], before: Relations) -> list[LockTaken]:
    """Locks by relation name. A relation the statement dropped is named as it was before; one it made and threw
    away (a rewrite's new heap, a relation not yet committed when seen from another session) is left out."""
    named = set()
    for oid, name, mode in locks:
        known = name or (before[oid][0] if oid in before else None)
        if known is not None:
            named.add((known, mode))
    return [LockTaken(relation=r, mode=m) for r, m in sorted(named)]


def _relations(conn: psycopg.Connection[Any]) -> Relations:
    return {row[0]: (row[1], row[2], row[3]) for row in conn.execute(_RELATIONS).fetchall()}


def _rewritten(before: Relations, after: Relations) -> list[str]:
    return sorted(after[oid][0] for oid in before.keys() & after.keys()
                  if after[oid][2] and before[oid][1] != after[oid][1])


def _message(exc: psycopg.Error) -> str:
    return redact(str(exc)).strip().splitlines()[0][:500] if str(exc).strip() else type(exc).__name__
