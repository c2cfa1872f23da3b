"""The agent's tools, each a small adapter over a typed function in tools/: input model, run, summary.

Summaries are what a model reads first: the key numbers in a few lines. The full typed result stays available by
handle. Everything a summary quotes from the database (names, comments, query texts) is data: the loop wraps it in
<data> markers before a model sees it.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from dbsage.agent.toolbox import ToolContext, ToolSpec
from dbsage.tools.errors import CapabilityMissing, UsageError
from dbsage.tools.explain import ExplainResult
from dbsage.tools.query_result import QueryResult
from dbsage.tools.schema import SchemaSnapshot, Table

# -- list_objects / describe_object ---------------------------------------------------------------------------------


class ListObjectsInput(BaseModel):
    schema_name: str | None = Field(default=None, description="only objects in this schema (default: all)")


class ObjectSummary(BaseModel):
    name: str
    kind: str
    row_estimate: int | None = None
    size_bytes: int | None = None
    indexes: int = 0
    has_primary_key: bool = False
    comment: str | None = None


class ObjectList(BaseModel):
    engine: str
    database: str
    objects: list[ObjectSummary] = Field(default_factory=list)


def _list_objects(ctx: ToolContext, params: ListObjectsInput) -> ObjectList:
    snapshot: SchemaSnapshot = ctx.engine.introspect()
    tables = [t for t in snapshot.tables if params.schema_name in (None, t.schema_name)]
    return ObjectList(engine=snapshot.engine, database=snapshot.database, objects=[
        ObjectSummary(name=t.qualified_name, kind=t.kind, row_estimate=t.row_estimate, size_bytes=t.size_bytes,
                      indexes=len(t.indexes), has_primary_key=t.primary_key is not None, comment=t.comment)
        for t in tables
    ])


def _size(n: int | None) -> str:
    from dbsage.agent.output import human_bytes

    return human_bytes(n)


def _summarize_objects(result: ObjectList) -> str:
    lines = [f"{len(result.objects)} objects in {result.engine} database {result.database}:"]
    for o in result.objects:
        pk = "" if o.has_primary_key or o.kind != "table" else ", NO primary key"
        comment = f", comment: {o.comment!r}" if o.comment else ""
        lines.append(f"- {o.name} ({o.kind}, ≈{o.row_estimate if o.row_estimate is not None else '?'} rows, "
                     f"{_size(o.size_bytes)}, {o.indexes} indexes{pk}{comment})")
    return "\n".join(lines)


class DescribeObjectInput(BaseModel):
    name: str = Field(description="table, view or collection: name or schema.name")


def _describe_object(ctx: ToolContext, params: DescribeObjectInput) -> Table:
    snapshot: SchemaSnapshot = ctx.engine.introspect(params.name)
    if not snapshot.tables:
        raise UsageError(f"no table, view or collection named {params.name!r}",
                         "call list_objects to see what exists; qualify as schema.name if needed")
    return snapshot.tables[0]


def _summarize_table(t: Table) -> str:
    lines = [f"{t.qualified_name} ({t.kind}), ≈{t.row_estimate if t.row_estimate is not None else '?'} rows, "
             f"{_size(t.size_bytes)}" + (f", comment: {t.comment!r}" if t.comment else "")]
    for c in t.columns:
        extra = "" if c.nullable else " NOT NULL"
        extra += f" DEFAULT {c.default}" if c.default else ""
        extra += f" -- {c.comment!r}" if c.comment else ""
        lines.append(f"  column {c.name} {c.type}{extra}")
    lines += [f"  {con.kind} {con.name}: {con.definition or ', '.join(con.columns)}" for con in t.constraints]
    for i in t.indexes:
        scans = "?" if i.scans is None else i.scans
        invalid = " INVALID" if not i.valid else ""
        lines.append(f"  index {i.name}{invalid}: {i.definition or ', '.join(i.columns)} "
                     f"({_size(i.size_bytes)}, {scans} scans)")
    return "\n".join(lines)


def _schema_specs() -> list[ToolSpec]:
    return [
        ToolSpec("list_objects", ListObjectsInput, ObjectList, _list_objects, _summarize_objects),
        ToolSpec("describe_object", DescribeObjectInput, Table, _describe_object, _summarize_table),
    ]


# -- run_query / explain_query -------------------------------------------------------------------------------------


class RunQueryInput(BaseModel):
    sql: str = Field(description="one read-only statement (SELECT, WITH … SELECT, SHOW)")
    max_rows: int = Field(default=50, ge=1, le=1000, description="at most this many rows come back")


def _run_query(ctx: ToolContext, params: RunQueryInput) -> QueryResult:
    engine = ctx.engine
    if not hasattr(engine, "run_sql"):
        raise CapabilityMissing(f"run_query needs a SQL engine; this target is {engine.name}",
                                "use describe_object and the other tools for this database")
    result: QueryResult = engine.run_sql(params.sql, max_rows=params.max_rows)
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
    sql: str = Field(description="the statement to explain (without EXPLAIN)")
    analyze: bool = Field(default=False, description="run it and measure real times (plain reads only)")


def _explain(ctx: ToolContext, params: ExplainQueryInput) -> ExplainResult:
    engine = ctx.engine
    if not hasattr(engine, "explain"):
        raise CapabilityMissing(f"explain is not available for {engine.name} yet", "use run_query or checkup")
    result: ExplainResult = engine.explain(params.sql, analyze=params.analyze)
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


def _query_specs() -> list[ToolSpec]:
    return [
        ToolSpec("run_query", RunQueryInput, QueryResult, _run_query, _summarize_rows),
        ToolSpec("explain_query", ExplainQueryInput, ExplainResult, _explain, _summarize_plan),
    ]


def all_specs() -> list[ToolSpec]:
    """Every tool, in the order a model sees them."""
    specs: list[ToolSpec] = [*_schema_specs(), *_query_specs()]
    return specs
