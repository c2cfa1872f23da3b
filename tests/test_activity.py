"""Activity now on real servers: one session holds a row lock idle in its transaction, another waits for it. The
activity_now tool and `dbsage top --now` name the waiter, the blocker, the lock, the idle-in-transaction session and
the root blocker — on PostgreSQL and on MariaDB."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pymysql
import pytest

from cli import run_dbsage
from dbsage.agent.toolkit.context import ToolContext
from dbsage.agent.toolkit.registry import call
from dbsage.tools.targets import resolve

SETUP = "CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL); INSERT INTO accounts VALUES (1, 100)"
HOLD = "UPDATE accounts SET balance = balance - 1 WHERE id = 1"
WAIT = "UPDATE accounts SET balance = 0 WHERE id = 1"


def _until(condition: Callable[[], bool], what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@contextmanager
def pg_blocked(dsn: str) -> Iterator[tuple[int, int]]:
    """(holder pid, waiter pid): the holder is idle in transaction with the row; the waiter's UPDATE waits."""
    holder, waiter, watcher = psycopg.connect(dsn), psycopg.connect(dsn, autocommit=True), psycopg.connect(dsn)
    holder.execute(HOLD)
    waiter.execute("SET statement_timeout = '30s'")
    outcome: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: outcome.update(done=waiter.execute(WAIT)))
    thread.start()
    try:
        pid = waiter.info.backend_pid
        _until(lambda: watcher.execute("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s",
                                       (pid,)).fetchone() == (True,), "the waiter to block")
        watcher.rollback()
        yield holder.info.backend_pid, pid
    finally:
        holder.rollback()  # releases the waiter
        thread.join(timeout=30)
        for conn in (holder, waiter, watcher):
            conn.close()


def test_postgres_names_waiter_blocker_lock_and_idle_transaction(make_pg_db: Callable[..., str]) -> None:
    dsn = make_pg_db(SETUP, extensions=())
    with pg_blocked(dsn) as (holder, waiter):
        ctx = ToolContext(resolve(dsn), origin="mcp")
        try:
            outcome = call(ctx, "activity_now", {})
        finally:
            ctx.close()
        cli = run_dbsage("top", "--now", "--db", dsn, "-f", "json")
        table = run_dbsage("top", "--now", "--db", dsn)
    assert outcome.ok, outcome.error
    report = outcome.result or {}
    sessions = {s["pid"]: s for s in report["sessions"]}
    assert sessions[holder]["state"] == "idle in transaction" and sessions[holder]["blocks"] == [waiter]
    assert HOLD in sessions[holder]["query"]  # an idle transaction shows what it ran last
    assert sessions[waiter]["state"] == "active" and sessions[waiter]["blocked_by"] == [holder]
    assert sessions[waiter]["wait"].startswith("Lock")
    [wait] = [w for w in report["lock_waits"] if w["waiting_pid"] == waiter]
    assert wait["blocking_pid"] == holder and "ShareLock" in wait["lock"] and wait["waiting_s"] > 0
    assert wait["blocking_state"] == "idle in transaction" and wait["waiting_query"] == WAIT
    assert holder in report["root_blockers"] and waiter not in report["root_blockers"]
    assert report["counts"]["idle_in_transaction"] >= 1 and report["counts"]["waiting_on_locks"] >= 1
    assert f"session {waiter} waits" in outcome.summary and f"held by session {holder}" in outcome.summary
    document = json.loads(cli.stdout)
    assert cli.returncode == 0 and document["command"] == "top --now"
    assert any(w["waiting_pid"] == waiter for w in document["report"]["lock_waits"])
    assert table.returncode == 0 and "lock waits" in table.stdout and str(holder) in table.stdout


def test_nothing_busy_is_an_empty_report_not_an_error(make_pg_db: Callable[..., str]) -> None:
    dsn = make_pg_db("", extensions=())
    done = run_dbsage("top", "--now", "--db", dsn, "-f", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)["report"]
    assert report["lock_waits"] == [] and report["counts"]["max_connections"] > 0


def _mysql_kwargs(dsn: str) -> dict[str, Any]:
    url = urlsplit(dsn)
    return {"host": url.hostname, "port": url.port or 3306, "user": url.username or "root",
            "password": url.password or "", "database": url.path.lstrip("/"), "autocommit": False}


def test_mariadb_names_waiter_blocker_lock_and_idle_transaction(make_mysql_db: Callable[..., str]) -> None:
    dsn = make_mysql_db(SETUP)  # InnoDB: the default engine
    holder, waiter = pymysql.connect(**_mysql_kwargs(dsn)), pymysql.connect(**_mysql_kwargs(dsn))
    holder.cursor().execute(HOLD)
    waiter.cursor().execute("SET SESSION innodb_lock_wait_timeout = 30")
    holder_id, waiter_id = holder.thread_id(), waiter.thread_id()
    thread = threading.Thread(target=lambda: waiter.cursor().execute(WAIT))
    thread.start()
    try:
        watcher = pymysql.connect(**_mysql_kwargs(dsn))
        with watcher.cursor() as cur:
            def blocked() -> bool:
                cur.execute("SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = %s "
                            "AND trx_state = 'LOCK WAIT'", (waiter_id,))
                return (cur.fetchone() or (0,))[0] == 1
            _until(blocked, "the waiter to block")
        watcher.close()
        ctx = ToolContext(resolve(dsn))
        try:
            outcome = call(ctx, "activity_now", {})
        finally:
            ctx.close()
        table = run_dbsage("top", "--now", "--db", dsn)
    finally:
        holder.rollback()
        thread.join(timeout=40)
        holder.close()
        waiter.close()
    assert outcome.ok, outcome.error
    report = outcome.result or {}
    sessions = {s["pid"]: s for s in report["sessions"]}
    assert sessions[holder_id]["state"] == "idle in transaction" and sessions[holder_id]["blocks"] == [waiter_id]
    assert sessions[waiter_id]["blocked_by"] == [holder_id] and WAIT in sessions[waiter_id]["query"]
    [wait] = report["lock_waits"]
    assert wait["blocking_pid"] == holder_id and "accounts" in wait["lock"] and "X" in wait["lock"]
    assert report["root_blockers"] == [holder_id] and report["counts"]["idle_in_transaction"] == 1
    assert table.returncode == 0 and "lock waits" in table.stdout


def test_mongo_top_now_answers(mongo_uri: str) -> None:
    done = run_dbsage("top", "--now", "--db", mongo_uri, "-f", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)["report"]
    assert report["lock_waits"] == [] and isinstance(report["sessions"], list)  # dbsage's own operation left out
    assert all(s["application"] != "dbsage" for s in report["sessions"])


# $currentOp documents as a mongod 7 returns them (SecantusDB has no transactions or lock waits to show).
MONGOD_OPS: list[dict[str, Any]] = [
    {"type": "op", "opid": 4411, "active": True, "client": "10.0.0.7:51234", "appName": "billing",
     "effectiveUsers": [{"user": "app", "db": "admin"}], "ns": "shop.orders", "op": "update",
     "microsecs_running": 4_200_000, "waitingForLock": True,
     "command": {"update": "orders", "updates": [{"q": {"_id": 7}, "u": {"$set": {"paid": True}}}]}},
    {"type": "idleSession", "active": False, "client": "10.0.0.8:40000", "appName": "worker",
     "lsid": {"id": "x"}, "transaction": {"parameters": {"txnNumber": 3, "autocommit": False},
                                          "timeOpenMicros": 95_000_000, "timeInactiveMicros": 90_000_000},
     "ns": "shop.orders"},
]


def test_mongod_current_op_documents_become_sessions() -> None:
    from dbsage.tools.engines.mongo.activity import session_of

    waiting, idle = (session_of(row, n) for n, row in enumerate(MONGOD_OPS, start=1))
    assert (waiting.pid, waiting.state, waiting.database, waiting.user) == (4411, "active", "shop", "app")
    assert waiting.waiting_for and waiting.query_age_s == pytest.approx(4.2) and '"update": "orders"' in waiting.query
    assert idle.state == "idle in transaction" and idle.idle_in_transaction
    assert idle.xact_age_s == pytest.approx(95.0) and idle.state_age_s == pytest.approx(90.0) and idle.pid == -2


@pytest.mark.parametrize("limit", [0, 201])
def test_limit_is_bounded(limit: int) -> None:
    ctx = ToolContext(resolve("postgresql://nobody@127.0.0.1:9/none"))
    outcome = call(ctx, "activity_now", {"limit": limit})
    assert not outcome.ok and "bad arguments" in (outcome.error or "")
