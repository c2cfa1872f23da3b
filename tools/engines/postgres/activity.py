"""Activity now on PostgreSQL: pg_stat_activity for the sessions, pg_blocking_pids() for who blocks whom, pg_locks for
the lock each waiter has not been granted. Two short catalog reads on the engine's read-only, time-limited session."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dbsage.tools.activity import ActivityCounts, ActivityReport, SessionNow, clip, finish

if TYPE_CHECKING:
    from dbsage.tools.engines.postgres.adapter import PostgresEngine

PRIVILEGE_NOTE = ("this login sees other users' statements as '<insufficient privilege>': grant it pg_monitor (or "
                  "pg_read_all_stats) to see what they run")


def activity(engine: PostgresEngine, limit: int = 50) -> ActivityReport:
    from dbsage.tools.engines.postgres.sqlfiles import load as _sql

    rows = engine.catalog_query(_sql("activity"), {"limit": limit + 1})
    counts = engine.catalog_query(_sql("activity_counts"), {})[0]
    sessions = [SessionNow(pid=r["pid"], user=r["username"], database=r["database"],
                           application=r["application_name"] or None, client=r["client_addr"], state=r["state"],
                           wait=r["wait"], waiting_for=r["waiting_for"], blocked_by=list(r["blocked_by"] or []),
                           query_age_s=r["query_age_s"], xact_age_s=r["xact_age_s"], state_age_s=r["state_age_s"],
                           query=clip(r["query"]))
                for r in rows[:limit]]
    report = ActivityReport(taken_at=datetime.now(UTC), sessions=sessions, truncated=len(rows) > limit,
                            counts=ActivityCounts(**counts))
    if any(s.query == "<insufficient privilege>" for s in sessions):
        report.notes.append(PRIVILEGE_NOTE)
    return finish(report)
