"""What an insight is, for every engine: a rule's finding about one plan node (or the query), in plain words, with
the evidence and a fix that is a draft for a person. Engines' rules fill it: postgres_insights.py, mysql_insights.py.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from dbsage.knowledge.citations import doc_for_rule
from dbsage.tools.explain.plan import Plan, PlanNode

Severity = Literal["high", "medium", "low", "info"]
MISESTIMATE = 10.0  # a row estimate this many times off (either way) is worth a word


class Insight(BaseModel):
    rule: str
    severity: Severity
    node_id: int | None = Field(description="the plan node the insight is about (pre-order id)")
    node: str | None = Field(default=None, description="that node's label")
    title: str
    detail: str
    evidence: dict[str, float | int | str | None] = Field(default_factory=dict)
    fix: str | None = Field(default=None, description="SQL or setting to try — a draft, never executed")
    kb: str | None = Field(default=None, description="id of the knowledge document that explains the insight "
                                                     "(dbsage kb show ID); filled from knowledge/citations.py")

    @model_validator(mode="after")
    def _cite(self) -> Insight:
        self.kb = self.kb or doc_for_rule(self.rule)
        return self


def misestimated(node: PlanNode, plan: Plan) -> bool:
    """The row estimate is more than MISESTIMATE× off, and not merely because a Limit stopped the node early."""
    return (node.misestimate or 0.0) > MISESTIMATE and not stopped_early(node, plan)


def stopped_early(node: PlanNode, plan: Plan) -> bool:
    """A node below a Limit stops once the Limit has its rows: its estimate is for a full run, not a misestimate."""
    parent = plan.parent_of(node.id)
    while parent is not None:
        if parent.node_type == "Limit":
            return True
        parent = plan.parent_of(parent.id)
    return False
