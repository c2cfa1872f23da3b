"""`dbsage top` on PostgreSQL: the heaviest statements from pg_stat_statements, sortable, with cache hit ratios.

When the extension is missing or not preloaded, CapabilityMissing says exactly which steps turn it on.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from dbsage.tools.errors import CapabilityMissing, DatabaseError, UsageError
from dbsage.tools.query_result import mask_secrets

if TYPE_CHECKING:
    from dbsage.tools.engines.postgres import PostgresEngine

SortKey = Literal["total", "mean", "calls", "io"]
ORDER_BY: dict[str, str] = {
    "total": "s.total_exec_time",
    "mean": "s.mean_exec_time",
    "calls": "s.calls",
    "io": "(s.shared_blks_read + s.local_blks_read + s.temp_blks_read + s.temp_blks_written)",
}
MAX_LIMIT = 500


class TopStatement(BaseModel):
    queryid: int | None
    query: str = Field(description="normalized text: constants replaced by $1, $2 …")
    role: str | None = None
    calls: int
    rows: int
    total_ms: float
    mean_ms: float
    stddev_ms: float
    min_ms: float
    max_ms: float
    shared_blks_hit: int
    shared_blks_read: int
    shared_blks_dirtied: int
    shared_blks_written: int
    local_blks_hit: int
    local_blks_read: int
    temp_blks_read: int
    temp_blks_written: int
    cache_hit_ratio: float | None = Field(description="shared hits / (hits + reads); None when it read nothing")
    share_of_total: float = Field(description="this statement's part of all execution time listed")

    @property
    def io_blocks(self) -> int:
        return self.shared_blks_read + self.local_blks_read + self.temp_blks_read + self.temp_blks_written


class TopReport(BaseModel):
    sort: SortKey
    limit: int
    statements: list[TopStatement]
    stats_since: datetime | None = Field(default=None, description="pg_stat_statements' last reset")
    notes: list[str] = Field(default_factory=list)


def enabling_steps(status: dict[str, Any]) -> str:
    """What to do, in order, to make pg_stat_statements usable (empty when it already is)."""
    major = int(status["version_num"]) // 10000
    steps = []
    if not status["available"]:
        steps.append(f"install the contrib package (e.g. apt-get install postgresql-contrib / postgresql-{major})")
    if not status["preloaded"]:
        steps.append("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements';  -- keep any existing "
                     "entries, comma-separated; then restart PostgreSQL")
    if not status["installed"]:
        steps.append("CREATE EXTENSION pg_stat_statements;  -- in this database")
    return "; then ".join(steps)


def require_pg_stat_statements(engine: PostgresEngine) -> dict[str, Any]:
    from dbsage.tools.engines.postgres import _sql

    status = engine.catalog_query(_sql("pss_status"), {})[0]
    if status["preloaded"] is None:  # this login may not read the setting: ask the view itself
        status["preloaded"] = not status["installed"] or _view_answers(engine)
    if not (status["installed"] and status["preloaded"]):
        raise unusable(status)
    return status


def unusable(status: dict[str, Any], alternative: str = "") -> CapabilityMissing:
    """Why pg_stat_statements cannot answer (`status` from postgres_pss_status.sql), with the steps to enable it."""
    problem = "not installed in this database" if not status["installed"] else "not in shared_preload_libraries"
    return CapabilityMissing(f"pg_stat_statements is {problem}, so the server keeps no per-statement statistics",
                             enabling_steps(status) + alternative)


def _view_answers(engine: PostgresEngine) -> bool:
    """pg_stat_statements refuses to answer ("must be loaded via shared_preload_libraries") when not preloaded."""
    try:
        engine.catalog_query("SELECT 1 FROM pg_stat_statements LIMIT 1")
    except DatabaseError as exc:
        if "shared_preload_libraries" in exc.message:
            return False
        raise
    return True


def top_statements(engine: PostgresEngine, sort: str = "total", limit: int = 20) -> TopReport:
    from dbsage.tools.engines.postgres import _sql

    if sort not in ORDER_BY:
        raise UsageError(f"unknown sort {sort!r}", f"use one of: {', '.join(ORDER_BY)}")
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"--limit must be between 1 and {MAX_LIMIT}", "pick a smaller number")
    status = require_pg_stat_statements(engine)
    rows = engine.catalog_query(_sql("top_statements").format(order=ORDER_BY[sort]), {"limit": limit})
    since = engine.catalog_query("SELECT stats_reset FROM pg_stat_statements_info")
    total = sum(r["total_ms"] for r in rows) or 1.0
    statements = [_statement(r, total) for r in rows]
    report = TopReport(sort=sort, limit=limit, statements=statements,
                       stats_since=since[0]["stats_reset"] if since else None)
    if not status["reads_all_stats"]:
        report.notes.append("this login lacks pg_read_all_stats: other roles' statements show as "
                            "<insufficient privilege>; GRANT pg_read_all_stats (or pg_monitor) to see them")
    return report


def _statement(row: dict[str, Any], total_ms: float) -> TopStatement:
    hit, read = row["shared_blks_hit"], row["shared_blks_read"]
    # Utility statements keep their literals in pg_stat_statements (CREATE/ALTER ROLE … PASSWORD '…').
    return TopStatement(
        **{**row, "query": mask_secrets(row["query"] or "")},
        cache_hit_ratio=hit / (hit + read) if hit + read else None,
        share_of_total=row["total_ms"] / total_ms,
    )
