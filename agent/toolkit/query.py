"""Query tools: run_query (one statement through the read-only guard, bounded rows) and explain_query (the plan
with its insights). To add a tool here, write its input model, run and summary, and add one ToolSpec line to SPECS.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from dbsage.agent.toolkit.context import ToolContext
from dbsage.agent.toolkit.spec import ToolSpec, engine_for
from dbsage.tools.explain import ExplainResult
from dbsage.tools.guard import MAX_STATEMENT_CHARS as MAX_SQL  # a longer statement would be refused anyway
from dbsage.tools.query_result import QueryResult


class RunQueryInput(BaseModel):
    sql: str = Field(max_length=MAX_SQL, description="one read-only statement (SELECT, WITH … SELECT, SHOW)")
    max_rows: int = Field(default=50, ge=1, le=1000, description="at most this many rows come back")


def _run_query(ctx: ToolContext, params: RunQueryInput) -> QueryResult:
    result: QueryResult = engine_for(ctx, "run").run(params.sql, max_rows=params.max_rows)
    return result


def _cell(value: object) -> str:
    text = "NULL" if value is None else str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _summarize_rows(result: QueryResult) -> str:
    head = f"{result.row_count} row(s) in {result.elapsed_ms:.0f} ms ({result.kind})"
    if result.truncated:
        head += f"; cut: {result.truncated_reason}"
    lines = [head, " | ".join(result.columns)]
    lines += [" | ".join(_cell(v) for v in row) for row in result.rows[:20]]
    if result.row_count > 20:
        lines.append(f"… {result.row_count - 20} more rows in the full result")
    return "\n".join(lines)


class ExplainQueryInput(BaseModel):
    sql: str = Field(max_length=MAX_SQL, description="the statement to explain (without EXPLAIN)")
    analyze: bool = Field(default=False, description="run it and measure real times (plain reads only)")


def _explain(ctx: ToolContext, params: ExplainQueryInput) -> ExplainResult:
    result: ExplainResult = engine_for(ctx, "explain").explain(params.sql, analyze=params.analyze)
    return result


def _summarize_plan(result: ExplainResult) -> str:
    from dbsage.tools.explain import summarize

    s = summarize(result)
    timing = f", executed in {s.execution_ms:.1f} ms" if s.execution_ms is not None else " (estimates only)"
    lines = [f"plan of {s.node_count} nodes, total cost {s.total_cost:.0f}{timing}",
             "hot path: " + " → ".join(s.hot_path)]
    for n in s.top_nodes:
        actual = f", actual rows {n.actual_rows:.0f} × {n.loops} loops" if n.actual_rows is not None else ""
        ms = f", {n.ms:.1f} ms" if n.ms is not None else ""
        lines.append(f"  node {n.id}: {n.label} — {n.share:.0%} of the cost/time, est. rows "
                     f"{n.estimated_rows:.0f}{actual}{ms}")
    for i in s.insights:
        lines.append(f"insight [{i.severity}] {i.title}: {i.detail}" + (f" Fix: {i.fix}" if i.fix else ""))
    if s.more_insights:
        lines.append(f"… {s.more_insights} more insights in the full result")
    lines += [f"note: {note}" for note in result.notes]
    return "\n".join(lines)


SPECS = [
    ToolSpec("run_query", RunQueryInput, QueryResult, _run_query, _summarize_rows),
    ToolSpec("explain_query", ExplainQueryInput, ExplainResult, _explain, _summarize_plan),
]
