"""Activity now on MySQL/MariaDB: the process list joined with InnoDB's open transactions (a session asleep inside
one is idle in transaction), and row-lock waits from information_schema (MariaDB, MySQL 5.7) or performance_schema
(MySQL 8). Metadata-lock waits show in a session's `wait` (the process list's state) without their blocker."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from dbsage.tools.activity import IDLE_IN_TRANSACTION, ActivityCounts, ActivityReport, SessionNow, clip, finish
from dbsage.tools.errors import DatabaseError

if TYPE_CHECKING:
    from dbsage.tools.engines.mysql.adapter import MySQLEngine

NO_LOCK_WAITS = ("row-lock waits are unknown: this login cannot read InnoDB's lock-wait tables (MariaDB: "
                 "information_schema.INNODB_LOCK_WAITS needs the PROCESS privilege; MySQL 8: "
                 "performance_schema.data_lock_waits needs performance_schema = ON and SELECT on it)")


def activity(engine: MySQLEngine, limit: int = 50) -> ActivityReport:
    from dbsage.tools.engines.mysql.sqlfiles import load as _sql

    rows = engine.catalog_query(_sql("activity"), {"limit": limit + 1})
    counts = engine.catalog_query(_sql("activity_counts"))[0]
    waits = _lock_waits(engine, _sql("lock_waits_mariadb"))
    if waits is None:
        waits = _lock_waits(engine, _sql("lock_waits_mysql"))
    blocked: dict[int, list[int]] = {}
    lock_of: dict[int, str] = {}
    for wait in waits or []:
        blocked.setdefault(int(wait["waiting"]), []).append(int(wait["blocking"]))
        lock_of[int(wait["waiting"])] = wait["lock_desc"]
    sessions = [_session(r, blocked, lock_of) for r in rows[:limit]]
    report = ActivityReport(taken_at=datetime.now(UTC), sessions=sessions, truncated=len(rows) > limit,
                            counts=ActivityCounts(**{k: int(v or 0) for k, v in counts.items()}))
    if waits is None:
        report.notes.append(NO_LOCK_WAITS)
    return finish(report)


def _lock_waits(engine: MySQLEngine, sql: str) -> list[dict[str, Any]] | None:
    """The lock-wait rows, or None when this server or login cannot read that table (MySQL 8 dropped
    information_schema's; performance_schema's needs it ON and SELECT on it)."""
    try:
        return engine.catalog_query(sql)
    except DatabaseError:
        return None


def _session(r: dict[str, Any], blocked: dict[int, list[int]], lock_of: dict[int, str]) -> SessionNow:
    asleep = r["command"] == "Sleep"
    state = IDLE_IN_TRANSACTION if asleep and r["trx_id"] else "active" if r["command"] in ("Query", "Execute") \
        else str(r["command"]).lower()
    pid = int(r["pid"])
    return SessionNow(pid=pid, user=r["username"], database=r["db"], client=r["client"], state=state,
                      wait=r["pstate"] or None if not asleep else None, waiting_for=lock_of.get(pid),
                      blocked_by=blocked.get(pid, []), query_age_s=None if asleep else float(r["time_s"] or 0),
                      xact_age_s=None if r["xact_age_s"] is None else float(r["xact_age_s"]),
                      state_age_s=float(r["wait_s"]) if r["wait_s"] is not None else float(r["time_s"] or 0),
                      query=clip(r["query"]))
