"""Activity now on MongoDB: `$currentOp` with idle sessions, so a session holding a transaction open between
statements shows as idle in transaction. MongoDB says which operations wait for a lock (`waitingForLock`) but not
which operation holds it: those waits have no blocker, and the report's note says so."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pymongo.errors import OperationFailure

from dbsage.tools.activity import IDLE_IN_TRANSACTION, ActivityCounts, ActivityReport, SessionNow, clip, finish

if TYPE_CHECKING:
    from dbsage.tools.engines.mongo.adapter import MongoEngine

NO_BLOCKER = ("MongoDB's $currentOp marks operations waiting for a lock (waitingForLock) but does not say which "
              "operation holds it: look at the longest transactions and operations above")
REFUSED = ("this login may not run $currentOp for all users (it needs the inprog privilege, e.g. the clusterMonitor "
           "role): only its own operations are shown")


def activity(engine: MongoEngine, limit: int = 50) -> ActivityReport:
    rows, notes = _current_operations(engine, limit + 1)
    sessions = [session_of(row, number) for number, row in enumerate(rows[:limit], start=1)]
    sessions.sort(key=lambda s: -(s.xact_age_s or s.query_age_s or 0))
    waiting = sum(1 for row in rows if row.get("waitingForLock"))
    counts = ActivityCounts(sessions=len(rows), active=sum(1 for s in sessions if s.state == "active"),
                            idle_in_transaction=sum(1 for s in sessions if s.idle_in_transaction),
                            max_connections=_max_connections(engine))
    report = finish(ActivityReport(taken_at=datetime.now(UTC), sessions=sessions, truncated=len(rows) > limit,
                                   counts=counts, notes=notes))
    report.counts.waiting_on_locks = waiting
    if waiting:
        report.notes.append(NO_BLOCKER)
    return report


def _current_operations(engine: MongoEngine, limit: int) -> tuple[list[dict[str, Any]], list[str]]:
    stage: dict[str, Any] = {"allUsers": True, "idleConnections": False, "idleSessions": True}
    pipeline: list[dict[str, Any]] = [
        {"$currentOp": stage},
        {"$match": {"appName": {"$ne": "dbsage"}, "$or": [{"active": True}, {"transaction": {"$exists": 1}}]}},
        {"$limit": limit}]
    try:
        rows = list(engine.client.admin.aggregate(pipeline))
        notes: list[str] = []
    except OperationFailure:
        stage["allUsers"] = False
        rows, notes = list(engine.client.admin.aggregate(pipeline)), [REFUSED]
    return [r for r in rows if "$currentOp" not in str(r.get("command"))], notes


def session_of(row: Mapping[str, Any], number: int) -> SessionNow:
    """One $currentOp document as a session; `number` stands in for an id an idle session lacks."""
    transaction = row.get("transaction") or {}
    idle = row.get("type") == "idleSession" or not row.get("active", False)
    users = row.get("effectiveUsers") or [{}]
    ns = str(row.get("ns") or "")
    seconds = row.get("microsecs_running")
    command = row.get("command") or {}
    return SessionNow(
        pid=int(row.get("opid") or row.get("connectionId") or -number), user=users[0].get("user"),
        database=ns.split(".", 1)[0] or None, application=row.get("appName") or None, client=row.get("client"),
        state=IDLE_IN_TRANSACTION if idle and transaction else "idle" if idle else "active",
        wait="waiting for a lock" if row.get("waitingForLock") else None,
        waiting_for="a lock (MongoDB does not say whose)" if row.get("waitingForLock") else None,
        query_age_s=None if seconds is None else float(seconds) / 1e6,
        xact_age_s=_micros(transaction.get("timeOpenMicros")),
        state_age_s=_micros(transaction.get("timeInactiveMicros")) if idle else None,
        query=clip(json.dumps(command, default=str)) if command else "")


def _micros(value: Any) -> float | None:
    return None if value is None else float(value) / 1e6


def _max_connections(engine: MongoEngine) -> int | None:
    try:
        connections = engine.client.admin.command({"serverStatus": 1}).get("connections") or {}
    except OperationFailure:
        return None
    if "current" in connections and "available" in connections:
        return int(connections["current"]) + int(connections["available"])
    return None
