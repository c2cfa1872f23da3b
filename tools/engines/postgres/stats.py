"""`dbsage top` on PostgreSQL: the heaviest statements from pg_stat_statements, sortable, with cache hit ratios.

When the extension is missing or not preloaded, CapabilityMissing says exactly which steps turn it on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dbsage.tools.errors import CapabilityMissing, DatabaseError, UsageError
from dbsage.tools.query_result import mask_secrets
from dbsage.tools.top import SortKey, TopReport, TopStatement  # noqa: F401 (re-exported: the models live in tools/top.py)

if TYPE_CHECKING:
    from dbsage.tools.engines.postgres.adapter import PostgresEngine

ORDER_BY: dict[str, str] = {
    "total": "s.total_exec_time",
    "mean": "s.mean_exec_time",
    "calls": "s.calls",
    "io": "(s.shared_blks_read + s.local_blks_read + s.temp_blks_read + s.temp_blks_written)",
}
MAX_LIMIT = 500
# A query or a data change: what `top` lists by default. Everything else pg_stat_statements keeps is a utility
# statement (COPY, VACUUM, ANALYZE, CREATE INDEX, SET, BEGIN …): its time is maintenance, not the application's load.
# Leading comments and parentheses are skipped; case-insensitive (~*), \y is a word boundary.
DML_PATTERN = r"^\s*((/\*.*?\*/|--[^\n]*\n)\s*)*\(*\s*(select|insert|update|delete|with|merge|values|table)\y"


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
    from dbsage.tools.engines.postgres.sqlfiles import load as _sql

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


def top_statements(engine: PostgresEngine, sort: str = "total", limit: int = 20,
                   include_utility: bool = False) -> TopReport:
    from dbsage.tools.engines.postgres.sqlfiles import load as _sql

    if sort not in ORDER_BY:
        raise UsageError(f"unknown sort {sort!r}", f"use one of: {', '.join(ORDER_BY)}")
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"--limit must be between 1 and {MAX_LIMIT}", "pick a smaller number")
    status = require_pg_stat_statements(engine)
    rows = engine.catalog_query(_sql("top_statements").format(order=ORDER_BY[sort]),
                                {"limit": limit, "utility": include_utility, "dml": DML_PATTERN})
    since = engine.catalog_query("SELECT stats_reset FROM pg_stat_statements_info")
    total = sum(r["total_ms"] for r in rows) or 1.0
    statements = [_statement(r, total) for r in rows]
    report = TopReport(sort=sort, limit=limit, statements=statements, utility_included=include_utility,
                       stats_since=since[0]["stats_reset"] if since else None)
    if not include_utility:
        report.notes.append("utility statements (COPY, VACUUM, ANALYZE, CREATE INDEX, SET …) are left out: "
                            "--utility lists them too")
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
