"""One call from EXPLAIN JSON (+ the statement and catalog facts) to the result front ends render."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from dbsage.tools.explain.context import ExplainContext
from dbsage.tools.explain.insights import Insight
from dbsage.tools.explain.plan import Plan
from dbsage.tools.explain.postgres_insights import plan_insights
from dbsage.tools.explain.postgres_plan import parse_plan
from dbsage.tools.explain.query_text import text_insights

_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}


class ExplainResult(BaseModel):
    sql: str
    analyzed: bool
    plan: Plan
    insights: list[Insight] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="what dbsage did or could not do, in words")


def analyze(document: Any, sql: str, context: ExplainContext | None = None) -> ExplainResult:
    """Parse the plan and run every rule; insights come sorted by severity, then by the node's share of the time."""
    context = context or ExplainContext()
    plan = parse_plan(document)
    insights = plan_insights(plan, context) + text_insights(sql, plan, context)
    shares = {node.id: node.share for node in plan.nodes()}
    insights.sort(key=lambda i: (_ORDER[i.severity], -shares.get(i.node_id or 0, 0.0)))
    return ExplainResult(sql=sql, analyzed=plan.analyzed, plan=plan, insights=insights)
