"""`dbsage top` on MySQL/MariaDB: the heaviest statements from performance_schema's digest summary — time, calls,
rows examined vs sent, statements that used no index, temporary tables on disk.

performance_schema is OFF by default on MariaDB and cannot be switched on without a restart: then
CapabilityMissing gives the exact steps, and what the slow query log gives meanwhile.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from dbsage.tools.errors import CapabilityMissing, UsageError
from dbsage.tools.query_result import mask_secrets
from dbsage.tools.top import TopReport, TopStatement

if TYPE_CHECKING:
    from dbsage.tools.engines.mysql.adapter import MySQLEngine

SortKey = Literal["total", "mean", "calls", "io"]
ORDER_BY: dict[str, str] = {
    "total": "d.SUM_TIMER_WAIT",
    "mean": "d.AVG_TIMER_WAIT",
    "calls": "d.COUNT_STAR",
    "io": "d.SUM_ROWS_EXAMINED",  # MySQL counts rows, not blocks: rows examined is its I/O proxy
}
MAX_LIMIT = 500


class DigestStatement(BaseModel):
    digest: str | None
    schema_name: str | None = None
    query: str = Field(description="normalized text: constants replaced by ?")
    calls: int
    total_ms: float
    mean_ms: float
    max_ms: float
    lock_ms: float
    rows_sent: int
    rows_examined: int
    rows_affected: int
    no_index_used: int = Field(description="executions that read a table without any index")
    no_good_index_used: int
    tmp_tables: int
    tmp_disk_tables: int = Field(description="temporary tables that went to disk")
    sort_rows: int
    full_joins: int
    errors: int
    examined_per_sent: float | None = Field(description="rows examined per row sent; None when nothing was sent")
    share_of_total: float
    first_seen: datetime | None = None
    last_seen: datetime | None = None


class DigestReport(BaseModel):
    sort: SortKey
    limit: int
    statements: list[DigestStatement]
    source: str = "performance_schema.events_statements_summary_by_digest"
    notes: list[str] = Field(default_factory=list)


def enabling_steps(facts: dict[str, Any], mariadb: bool) -> str:
    """How to turn the digests on, and what the slow query log gives until then."""
    steps = ["add performance_schema=ON under [mysqld] in my.cnf and restart the server (it cannot be switched "
             "on at run time; MariaDB leaves it OFF by default)"]
    if not mariadb:
        steps = ["performance_schema is ON by default on MySQL 5.6+: remove performance_schema=OFF from my.cnf and "
                 "restart the server"]
    steps.append("then check that digests arrive: SELECT COUNT(*) FROM "
                 "performance_schema.events_statements_summary_by_digest")
    slow = "ON" if str(facts.get("slow_query_log")) in ("1", "ON") else "OFF"
    meanwhile = (f"Meanwhile the slow query log (now {slow}, long_query_time = {facts.get('long_query_time')} s, "
                 f"file {facts.get('slow_query_log_file')}) records each statement slower than long_query_time "
                 "with its time, lock time, rows sent and rows examined: SET GLOBAL slow_query_log = ON; SET GLOBAL "
                 "long_query_time = 0.5; SET GLOBAL log_queries_not_using_indexes = ON; then summarise it by "
                 "statement with mysqldumpslow -s t <file> (or pt-query-digest <file>)")
    return "; ".join(steps) + ". " + meanwhile


def top_statements(engine: MySQLEngine, sort: str = "total", limit: int = 20) -> DigestReport:
    from dbsage.tools.engines.mysql.checks import sql

    if sort not in ORDER_BY:
        raise UsageError(f"unknown sort {sort!r}", f"use one of: {', '.join(ORDER_BY)}")
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"--limit must be between 1 and {MAX_LIMIT}", "pick a smaller number")
    facts = engine.catalog_query(
        "SELECT @@performance_schema AS ps, @@slow_query_log AS slow_query_log, "
        "@@long_query_time AS long_query_time, @@slow_query_log_file AS slow_query_log_file")[0]
    mariadb = bool(engine.flavour and engine.flavour.mariadb)
    if not facts["ps"]:
        raise CapabilityMissing("performance_schema is OFF, so the server keeps no per-statement statistics",
                                enabling_steps(facts, mariadb))
    rows = engine.catalog_query(sql("top_statements").format(order=ORDER_BY[sort]), {"limit": limit})
    total = sum(float(r["total_ms"] or 0) for r in rows) or 1.0
    report = DigestReport(sort=sort, limit=limit, statements=[_statement(r, total) for r in rows])
    if not rows:
        report.notes.append("no statement digests yet: the server has run nothing since it started, or the "
                            "statements_digest consumer is off (dbsage doctor says which)")
    return report


def _statement(row: dict[str, Any], total_ms: float) -> DigestStatement:
    sent, examined = int(row["rows_sent"] or 0), int(row["rows_examined"] or 0)
    return DigestStatement(
        digest=row["digest"], schema_name=row["schema"], query=mask_secrets(row["query"] or ""),
        calls=int(row["calls"]), total_ms=float(row["total_ms"] or 0), mean_ms=float(row["mean_ms"] or 0),
        max_ms=float(row["max_ms"] or 0), lock_ms=float(row["lock_ms"] or 0), rows_sent=sent,
        rows_examined=examined, rows_affected=int(row["rows_affected"] or 0),
        no_index_used=int(row["no_index_used"] or 0), no_good_index_used=int(row["no_good_index_used"] or 0),
        tmp_tables=int(row["tmp_tables"] or 0), tmp_disk_tables=int(row["tmp_disk_tables"] or 0),
        sort_rows=int(row["sort_rows"] or 0), full_joins=int(row["full_joins"] or 0), errors=int(row["errors"] or 0),
        examined_per_sent=examined / sent if sent else None,
        share_of_total=float(row["total_ms"] or 0) / total_ms,
        first_seen=row["first_seen"], last_seen=row["last_seen"],
    )


def to_top_report(report: DigestReport) -> TopReport:
    """The engine-neutral report `dbsage top` and the agent read. MySQL keeps no block counters (they stay 0) and no
    standard deviation; it adds rows examined, no-index executions and disk temporary tables."""
    statements = [TopStatement(
        queryid=None, digest=s.digest, query=s.query, role=s.schema_name, calls=s.calls, rows=s.rows_sent,
        total_ms=s.total_ms, mean_ms=s.mean_ms, stddev_ms=0.0, min_ms=0.0, max_ms=s.max_ms,
        shared_blks_hit=0, shared_blks_read=0, shared_blks_dirtied=0, shared_blks_written=0, local_blks_hit=0,
        local_blks_read=0, temp_blks_read=0, temp_blks_written=0, cache_hit_ratio=None,
        share_of_total=s.share_of_total, rows_examined=s.rows_examined, no_index_used=s.no_index_used,
        tmp_disk_tables=s.tmp_disk_tables,
    ) for s in report.statements]
    notes = list(report.notes) + [
        "from performance_schema.events_statements_summary_by_digest since the server started (or its last "
        "TRUNCATE); MySQL keeps no block counters or standard deviation; `role` shows the default schema; sort io "
        "= rows examined"]
    heavy = [s for s in report.statements if s.examined_per_sent and s.examined_per_sent >= 100 and s.calls]
    for s in heavy[:3]:
        notes.append(f"examines {s.examined_per_sent:,.0f} rows per row sent"
                     + (f", {s.no_index_used:,} of {s.calls:,} runs without an index" if s.no_index_used else "")
                     + f": {s.query[:80]} — dbsage explain it")
    return TopReport(sort=report.sort, limit=report.limit, statements=statements, notes=notes)
