"""The compact form of an ExplainResult for an LLM or a narrow terminal: a bounded number of nodes and insights,
bounded text, whatever the size of the plan. The full plan stays available in the ExplainResult."""

from __future__ import annotations

from pydantic import BaseModel, Field

from dbsage.tools.explain.analysis import ExplainResult
from dbsage.tools.explain.plan import PlanNode

TOP_NODES = 5
MAX_INSIGHTS = 8
MAX_TEXT = 240


class NodeLine(BaseModel):
    id: int
    label: str
    share: float
    estimated_rows: float
    actual_rows: float | None = None
    loops: int | None = None
    ms: float | None = Field(default=None, description="the node's own time over all loops")
    hot: bool = False


class InsightLine(BaseModel):
    rule: str
    severity: str
    node_id: int | None
    title: str
    detail: str
    fix: str | None = None


class PlanSummary(BaseModel):
    analyzed: bool
    node_count: int
    planning_ms: float | None = None
    execution_ms: float | None = None
    total_cost: float
    hot_path: list[str]
    top_nodes: list[NodeLine]
    insights: list[InsightLine]
    more_insights: int = 0
    full_plan: str = "ask for the full plan (dbsage explain --full, or the tool's full=true) for every node"


def _clip(text: str | None, limit: int = MAX_TEXT) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _line(node: PlanNode) -> NodeLine:
    return NodeLine(id=node.id, label=_clip(node.label, 80), share=round(node.share, 3),
                    estimated_rows=node.plan_rows, actual_rows=node.actual_rows, loops=node.actual_loops,
                    ms=round(node.exclusive_ms, 3) if node.exclusive_ms is not None else None, hot=node.hot)


def summarize(result: ExplainResult) -> PlanSummary:
    nodes = result.plan.nodes()
    top = sorted(nodes, key=lambda n: n.share, reverse=True)[:TOP_NODES]
    hot = [n for n in nodes if n.hot]
    path = [_clip(n.label, 60) for n in hot[:6]] + ([f"… {len(hot) - 6} more"] if len(hot) > 6 else [])
    return PlanSummary(
        analyzed=result.analyzed,
        node_count=len(nodes),
        planning_ms=result.plan.planning_ms,
        execution_ms=result.plan.execution_ms,
        total_cost=result.plan.root.total_cost,
        hot_path=path,
        top_nodes=[_line(n) for n in top],
        insights=[
            InsightLine(rule=i.rule, severity=i.severity, node_id=i.node_id, title=_clip(i.title, 120),
                        detail=_clip(i.detail), fix=_clip(i.fix, 300) if i.fix else None)
            for i in result.insights[:MAX_INSIGHTS]
        ],
        more_insights=max(len(result.insights) - MAX_INSIGHTS, 0),
    )
