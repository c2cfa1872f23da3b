"""What a checkup reports: findings (each with the numbers it rests on and a draft fix) and the scorecard."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from dbsage.knowledge.citations import doc_for_rule

Family = Literal["schema", "indexes", "maintenance", "activity", "performance", "configuration", "reliability",
                 "security"]
FAMILIES: tuple[Family, ...] = ("schema", "indexes", "maintenance", "activity", "performance", "configuration",
                                "reliability", "security")
Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITY_ORDER: dict[str, int] = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
Status = Literal["pass", "fail", "unknown"]


class Finding(BaseModel):
    id: str = Field(description="stable rule id, e.g. schema.missing_primary_key")
    family: Family
    severity: Severity
    title: str
    object: str | None = Field(default=None, description="the table, index, role, setting … it concerns")
    evidence: dict[str, Any] = Field(description="the figures the finding rests on; never empty")
    fix: str | None = Field(default=None, description="SQL or setting for a person to review — never executed")
    doc_id: str | None = Field(default=None, description="knowledge document explaining the topic, when one exists")
    kb: str | None = Field(default=None, description="id of the knowledge document that explains the finding "
                                                     "(dbsage kb show ID); filled from knowledge/citations.py")

    @model_validator(mode="after")
    def _cite(self) -> Finding:
        self.kb = self.kb or doc_for_rule(self.id)
        self.doc_id = self.doc_id or self.kb
        return self


class ScoreItem(BaseModel):
    key: str
    label: str
    status: Status
    why: str
    finding_ids: list[str] = Field(default_factory=list)


class CheckReport(BaseModel):
    engine: str
    target: str
    database: str
    findings: list[Finding] = Field(default_factory=list)
    scorecard: list[ScoreItem] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list, description="checks that could not run, and why")
    omitted: dict[str, int] = Field(default_factory=dict,
                                    description="per rule id: findings beyond MAX_PER_RULE, counted, not listed")
    elapsed_ms: float | None = None

    def by_id(self, rule_id: str) -> list[Finding]:
        return [f for f in self.findings if f.id == rule_id]


class Thresholds(BaseModel):
    """Where a figure becomes a finding. Defaults suit production; tests may lower the time-based ones."""

    long_query_s: float = 300.0
    idle_in_transaction_s: float = 60.0
    blocked_s: float = 5.0
    connection_use: float = 0.8
    slow_mean_ms: float = 100.0
    slow_min_calls: int = 3  # a one-off (a bulk load, a report) is not "the application is slow"
    cache_hit_ratio: float = 0.99
    min_blocks_for_hit_ratio: int = 10_000
    temp_bytes: int = 100 * 1024**2
    checkpoint_req_share: float = 0.2
    min_checkpoints: int = 10
    dead_tuple_share: float = 0.2
    min_dead_tuples: int = 1_000
    min_rows_for_stats: int = 1_000
    bloat_share: float = 0.5
    bloat_min_bytes: int = 10 * 1024**2
    sequence_use: float = 0.75
    heavy_seq_scan_rows: int = 10_000
    min_seq_scans: int = 50
    index_coverage: float = 0.95
    slot_retained_bytes: int = 1024**3
    replica_lag_s: float = 30.0
    # Index usage counters must have run this long before an index with 0 scans is called unused: a weekly batch or
    # a month-end report uses indexes nothing else does (0: judge at once — tests, a demo that ran its workload).
    min_stats_age_days: float = 7.0


Facts = dict[str, list[dict[str, Any]]]
"""Catalog/statistics rows by fact name (see tools/sql/postgres_check_*.sql). A missing name = could not be read."""
