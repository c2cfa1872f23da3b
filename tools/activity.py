"""Activity now, engine-neutral: the sessions doing something at this moment, who blocks whom on which lock, and the
sessions idle inside an open transaction. What `dbsage top --now` and the agent's activity_now tool read.

A PostgreSQL adapter fills it from pg_stat_activity, pg_blocking_pids() and pg_locks
(tools/engines/postgres/activity.py); a MySQL/MariaDB one from the process list and InnoDB's transaction and
lock-wait tables (tools/engines/mysql/activity.py). `finish()` derives the lock waits and the counts from the
sessions, once for every engine.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

MAX_QUERY_CHARS = 300
IDLE_IN_TRANSACTION = "idle in transaction"


class SessionNow(BaseModel):
    pid: int = Field(description="the server's session id (PostgreSQL backend pid, MySQL connection id)")
    user: str | None = None
    database: str | None = None
    application: str | None = None
    client: str | None = None
    state: str = Field(description="active, idle in transaction, idle in transaction (aborted), …")
    wait: str | None = Field(default=None, description="what it waits on, e.g. 'Lock: transactionid'")
    waiting_for: str | None = Field(default=None, description="the lock it waits for, e.g. 'AccessExclusiveLock on "
                                    "orders'")
    blocked_by: list[int] = Field(default_factory=list, description="sessions holding what it waits for")
    blocks: list[int] = Field(default_factory=list, description="sessions waiting for it")
    query_age_s: float | None = Field(default=None, description="since its current (or last) statement started")
    xact_age_s: float | None = Field(default=None, description="since its transaction started")
    state_age_s: float | None = Field(default=None, description="since it entered its state")
    query: str = Field(default="", description=f"current or last statement, secrets masked, ≤ {MAX_QUERY_CHARS} "
                       "characters")

    @property
    def idle_in_transaction(self) -> bool:
        return self.state.startswith(IDLE_IN_TRANSACTION)


class LockWait(BaseModel):
    waiting_pid: int
    blocking_pid: int
    lock: str | None = Field(default=None, description="the lock waited for")
    waiting_s: float | None = None
    waiting_query: str = ""
    blocking_state: str | None = None
    blocking_query: str = Field(default="", description="the blocker's current or LAST statement (an idle "
                                "transaction shows what it ran before it went idle)")


class ActivityCounts(BaseModel):
    sessions: int = Field(description="client sessions on the server, this one excluded")
    active: int = 0
    idle: int = 0
    idle_in_transaction: int = 0
    waiting_on_locks: int = 0
    max_connections: int | None = None


class ActivityReport(BaseModel):
    taken_at: datetime
    sessions: list[SessionNow] = Field(description="every session not idle, longest transaction first")
    lock_waits: list[LockWait] = Field(default_factory=list, description="who waits for whom, longest wait first")
    root_blockers: list[int] = Field(default_factory=list, description="sessions that block others and wait for "
                                     "nobody: the ones to look at (or end) first")
    counts: ActivityCounts
    truncated: bool = Field(default=False, description="more sessions than the limit: the longest were kept")
    notes: list[str] = Field(default_factory=list)


def clip(text: str | None) -> str:
    from dbsage.tools.query_result import mask_secrets

    flat = " ".join(mask_secrets(text or "").split())
    return flat if len(flat) <= MAX_QUERY_CHARS else flat[: MAX_QUERY_CHARS - 1] + "…"


def finish(report: ActivityReport) -> ActivityReport:
    """Fill `blocks`, the lock waits (longest first) and the root blockers from each session's `blocked_by`."""
    by_pid = {s.pid: s for s in report.sessions}
    waits = []
    for session in report.sessions:
        for blocker_pid in session.blocked_by:
            blocker = by_pid.get(blocker_pid)
            if blocker is not None and session.pid not in blocker.blocks:
                blocker.blocks.append(session.pid)
            waits.append(LockWait(waiting_pid=session.pid, blocking_pid=blocker_pid, lock=session.waiting_for,
                                  waiting_s=session.state_age_s if session.state_age_s is not None
                                  else session.query_age_s, waiting_query=session.query,
                                  blocking_state=blocker.state if blocker else None,
                                  blocking_query=blocker.query if blocker else ""))
    report.lock_waits = sorted(waits, key=lambda w: -(w.waiting_s or 0))
    blockers = {w.blocking_pid for w in waits}
    report.root_blockers = sorted(p for p in blockers if not (by_pid.get(p) and by_pid[p].blocked_by))
    report.counts.waiting_on_locks = len({w.waiting_pid for w in waits})
    return report
