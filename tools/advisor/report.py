"""What the advisor returns: typed results every front end renders (table, JSON, proposals)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from dbsage.tools.advisor.candidate import IndexCandidate


class StatementCost(BaseModel):
    statement_id: str
    preview: str
    weight: float
    cost_before: float
    cost_after: float

    @property
    def reduction(self) -> float:
        return 1 - self.cost_after / self.cost_before if self.cost_before else 0.0


class Recommendation(BaseModel):
    index: IndexCandidate
    create_sql: str
    drop_sql: str
    size_bytes: int | None = Field(description="hypopg's estimate; a heuristic guess when unverified")
    kind: str
    helps: list[StatementCost] = Field(default_factory=list, description="statements whose plan uses it")
    benefit: float = Field(0.0, description="weighted planner cost saved on the statements whose plan uses it "
                           "(shared with the other indexes those statements use)")
    marginal_benefit: float | None = Field(None, description="the recommended set's workload cost without this "
                                           "index minus with it: what this index alone adds to the set")
    marginal_reduction: float | None = Field(None, description="marginal_benefit as a share of the workload's "
                                             "cost before any new index (compare with the report's reduction)")


DropKind = Literal["duplicate", "redundant", "made redundant", "unused"]


class DropCandidate(BaseModel):
    schema_name: str
    table: str
    index_name: str
    size_bytes: int | None = None
    reason: str
    kind: DropKind
    drop_sql: str
    kept: str | None = Field(None, description="the index that does its work once it is gone")


class UnusableCandidate(BaseModel):
    """A candidate index the server cannot build (a non-IMMUTABLE function in its key or predicate, …)."""

    index_sql: str
    reason: str
    statement_ids: list[str] = Field(default_factory=list, description="statements that suggested it")


class SkippedStatement(BaseModel):
    statement_id: str
    preview: str
    reason: str
    refused: bool = Field(False, description="the read-only guard refused it")


class AdviceReport(BaseModel):
    target: str
    verified: bool = Field(description="True: every cost comes from the planner with hypothetical indexes (hypopg)")
    method: Literal["hypopg", "scratch copy", "heuristic (unverified)"]
    parameters: str = Field("", description="how statements with $n parameters were planned")
    workload_source: str
    weight_by: str
    budget_bytes: int | None = None
    max_indexes: int | None = None
    cost_before: float = 0.0
    cost_after: float = 0.0
    recommendations: list[Recommendation] = Field(default_factory=list)
    drop_candidates: list[DropCandidate] = Field(default_factory=list)
    statements: list[StatementCost] = Field(default_factory=list)
    skipped: list[SkippedStatement] = Field(default_factory=list)
    unusable_candidates: list[UnusableCandidate] = Field(default_factory=list, description="candidates left out "
                                                          "because the server cannot build them, with why")
    candidates_considered: int = 0
    plans_costed: int = 0
    elapsed_s: float = 0.0
    timed_out: bool = False
    notes: list[str] = Field(default_factory=list)

    @property
    def reduction(self) -> float:
        return 1 - self.cost_after / self.cost_before if self.cost_before else 0.0
