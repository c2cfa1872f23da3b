"""The heaviest statements, engine-neutral: what `dbsage top`, the agent's top_statements tool and the advisor's
statistics workload read.

A PostgreSQL adapter fills it from pg_stat_statements (tools/engines/postgres/stats.py); a MySQL one from
performance_schema's digests, a MongoDB one from the profiler. Counters an engine does not keep stay at their
defaults (0 blocks, no cache hit ratio) and its notes say so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

SortKey = Literal["total", "mean", "calls", "io"]
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
    # Counters MySQL/MariaDB keep (performance_schema digests) and PostgreSQL does not: None there.
    digest: str | None = Field(default=None, description="MySQL statement digest (its queryid)")
    rows_examined: int | None = Field(default=None, description="rows read to produce `rows` (MySQL)")
    no_index_used: int | None = Field(default=None, description="executions that scanned a table without an index")
    tmp_disk_tables: int | None = Field(default=None, description="temporary tables that went to disk (MySQL)")

    @property
    def io_blocks(self) -> int:
        return self.shared_blks_read + self.local_blks_read + self.temp_blks_read + self.temp_blks_written


class TopReport(BaseModel):
    sort: SortKey
    limit: int
    statements: list[TopStatement]
    stats_since: datetime | None = Field(default=None, description="pg_stat_statements' last reset")
    utility_included: bool = Field(default=False, description="utility statements (COPY, VACUUM, ANALYZE, DDL, "
                                   "SET …) are listed too; by default only queries and data changes are")
    notes: list[str] = Field(default_factory=list)
