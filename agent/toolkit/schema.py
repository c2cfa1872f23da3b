"""The agent's tools, each a small adapter over a typed function in tools/: input model, run, summary.

Summaries are what a model reads first: the key numbers in a few lines. The full typed result stays available by
handle. Everything a summary quotes from the database (names, comments, query texts) is data: the loop wraps it in
<data> markers before a model sees it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from dbsage.agent.advice_proposals import file_advice
from dbsage.agent.proposals import Proposal
from dbsage.agent.toolbox import ToolContext, ToolSpec
from dbsage.tools.advisor.report import AdviceReport
from dbsage.tools.checks.model import CheckReport, Family
from dbsage.tools.engines.postgres_stats import SortKey, TopReport
from dbsage.tools.errors import CapabilityMissing, UsageError
from dbsage.tools.explain import ExplainResult
from dbsage.tools.guard import MAX_STATEMENT_CHARS as MAX_SQL  # a longer statement would be refused anyway
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


MAX_OBJECTS = 500  # a schema with 50,000 tables must not reach a model or an MCP client whole


class ObjectList(BaseModel):
    engine: str
    database: str
    objects: list[ObjectSummary] = Field(default_factory=list)
    omitted: int = Field(default=0, description="objects not listed (over the limit): narrow with schema_name")


def _list_objects(ctx: ToolContext, params: ListObjectsInput) -> ObjectList:
    snapshot: SchemaSnapshot = ctx.engine.introspect()
    tables = [t for t in snapshot.tables if params.schema_name in (None, t.schema_name)]
    listed = [
        ObjectSummary(name=t.qualified_name, kind=t.kind, row_estimate=t.row_estimate, size_bytes=t.size_bytes,
                      indexes=len(t.indexes), has_primary_key=t.primary_key is not None, comment=t.comment)
        for t in tables[:MAX_OBJECTS]
    ]
    return ObjectList(engine=snapshot.engine, database=snapshot.database, objects=listed,
                      omitted=len(tables) - len(listed))


def _size(n: int | None) -> str:
    from dbsage.agent.output import human_bytes

    return human_bytes(n)


def _summarize_objects(result: ObjectList) -> str:
    lines = [f"{len(result.objects) + result.omitted} objects in {result.engine} database {result.database}:"]
    for o in result.objects:
        pk = "" if o.has_primary_key or o.kind != "table" else ", NO primary key"
        comment = f", comment: {o.comment!r}" if o.comment else ""
        lines.append(f"- {o.name} ({o.kind}, ≈{o.row_estimate if o.row_estimate is not None else '?'} rows, "
                     f"{_size(o.size_bytes)}, {o.indexes} indexes{pk}{comment})")
    if result.omitted:
        lines.append(f"… {result.omitted} more objects not listed: pass schema_name to narrow, or describe_object")
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
    sql: str = Field(max_length=MAX_SQL, description="one read-only statement (SELECT, WITH … SELECT, SHOW)")
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
    sql: str = Field(max_length=MAX_SQL, description="the statement to explain (without EXPLAIN)")
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


# -- top_statements ---------------------------------------------------------------------------------------------------


class TopStatementsInput(BaseModel):
    sort: SortKey = Field(default="total", description="what 'heaviest' means")
    limit: int = Field(default=10, ge=1, le=50)


def _top(ctx: ToolContext, params: TopStatementsInput) -> TopReport:
    engine = ctx.engine
    if not hasattr(engine, "top_statements"):
        raise CapabilityMissing(f"top statements are not available for {engine.name} yet", "use checkup")
    report: TopReport = engine.top_statements(sort=params.sort, limit=params.limit)
    return report


def _summarize_top(report: TopReport) -> str:
    since = f" since {report.stats_since:%Y-%m-%d %H:%M}" if report.stats_since else ""
    lines = [f"{len(report.statements)} heaviest statements by {report.sort}{since}:"]
    for n, s in enumerate(report.statements, start=1):
        hit = f", cache hit {s.cache_hit_ratio:.0%}" if s.cache_hit_ratio is not None else ""
        lines.append(f"{n}. {s.share_of_total:.0%} of time · {s.calls} calls · total {s.total_ms:,.1f} ms · "
                     f"mean {s.mean_ms:,.2f} ms · {s.rows} rows{hit}\n   {_clip(s.query, 300)}")
    lines += [f"note: {note}" for note in report.notes]
    return "\n".join(lines)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- checkup ----------------------------------------------------------------------------------------------------------


class CheckupInput(BaseModel):
    family: Family | None = Field(default=None, description="only findings of this family")


def _checkup(ctx: ToolContext, params: CheckupInput) -> CheckReport:
    engine = ctx.engine
    if not hasattr(engine, "checks"):
        raise CapabilityMissing(f"the checkup is not available for {engine.name} yet", "use list_objects")
    report: CheckReport = engine.checks()
    if params.family:
        report.findings = [f for f in report.findings if f.family == params.family]
    return report


def _summarize_checkup(report: CheckReport) -> str:
    from dbsage.tools.checks.model import SEVERITY_ORDER

    passed = sum(1 for item in report.scorecard if item.status == "pass")
    lines = [f"checkup of {report.database}: {len(report.findings)} finding(s); scorecard {passed}/"
             f"{len(report.scorecard)} pass"]
    for f in sorted(report.findings, key=lambda f: SEVERITY_ORDER[f.severity])[:25]:
        evidence = ", ".join(f"{k}={v}" for k, v in list(f.evidence.items())[:5])
        fix = f" Fix: {_clip(f.fix, 200)}" if f.fix else ""
        lines.append(f"[{f.severity}] {f.id} on {f.object or '-'}: {f.title} ({evidence}).{fix}")
    if len(report.findings) > 25:
        lines.append(f"… {len(report.findings) - 25} more findings in the full result")
    lines += [f"failing: {item.label}: {item.why}" for item in report.scorecard if item.status == "fail"][:10]
    lines += [f"skipped: {reason}" for reason in report.skipped[:5]]
    return "\n".join(lines)


# -- advise_indexes / file_proposal ------------------------------------------------------------------------------


class AdviseIndexesInput(BaseModel):
    statements: list[Annotated[str, Field(max_length=MAX_SQL)]] = Field(
        default_factory=list, max_length=100,
        description="queries to advise for; empty: the statistics view's heaviest statements")
    budget_mb: float | None = Field(default=None, gt=0, description="storage budget for new indexes")
    max_indexes: int | None = Field(default=None, ge=1)
    propose: bool = Field(default=False, description="file each recommendation as a pending proposal")


class AdviseResult(BaseModel):
    report: AdviceReport
    proposals: list[Proposal] = Field(default_factory=list, description="proposals filed (propose=true)")


def _advise(ctx: ToolContext, params: AdviseIndexesInput) -> AdviseResult:
    from dbsage.tools.advisor.advisor import AdviseOptions, advise_database
    from dbsage.tools.advisor.workload import WorkloadStatement

    engine = ctx.engine
    if not hasattr(engine, "what_if"):
        raise CapabilityMissing(f"index advice needs PostgreSQL (this target is {engine.name})",
                                "use explain_query on the statements instead")
    options = AdviseOptions(budget_bytes=int(params.budget_mb * 1024 * 1024) if params.budget_mb else None,
                            max_indexes=params.max_indexes, max_seconds=30.0,
                            workload_source="statements from the question" if params.statements
                            else "pg_stat_statements")
    statements = [WorkloadStatement(id=f"q{n}", sql=sql, source="agent")
                  for n, sql in enumerate(params.statements, start=1)]
    report = advise_database(engine, statements or None, options)  # None: the statistics view's workload
    filed = file_advice(report, by=f"dbsage {ctx.origin}", engine=ctx.target.engine) if params.propose else []
    return AdviseResult(report=report, proposals=filed)


def _summarize_advice(result: AdviseResult) -> str:
    r = result.report
    change = (1 - r.cost_after / r.cost_before) if r.cost_before else 0.0
    lines = [f"index advice ({r.method}) for {len(r.statements)} statement(s): workload planner cost "
             f"{r.cost_before:,.1f} → {r.cost_after:,.1f} ({-change:+.0%})" if r.verified else
             f"UNVERIFIED heuristic index advice for {len(r.statements)} statement(s)"]
    if not r.recommendations:
        lines.append("no new index lowers the cost enough to be worth its writes")
    for rec in r.recommendations:
        helps = "; ".join(f"{s.statement_id}: {s.cost_before:,.1f} → {s.cost_after:,.1f}" for s in rec.helps)
        size = _size(rec.size_bytes)
        lines.append(f"recommend: {rec.create_sql}  (≈{size}; {helps or 'helps the workload'})")
    lines += [f"drop candidate: {d.drop_sql} — {d.reason}" for d in r.drop_candidates[:5]]
    lines += [f"skipped {s.statement_id}: {s.reason}" for s in r.skipped[:5]]
    lines += [f"note: {note}" for note in r.notes]
    return "\n".join(lines)


def _proposal_refs(proposals: list[Proposal]) -> list[dict[str, object]]:
    return [{"id": p.id, "title": p.title, "status": p.status} for p in proposals]


class FileProposalInput(BaseModel):
    title: str = Field(min_length=3, max_length=200, description="what the change does, e.g. 'create index …'")
    up_sql: str = Field(min_length=1, max_length=MAX_SQL, description="the SQL that applies the change")
    down_sql: str = Field(min_length=1, max_length=MAX_SQL, description="the SQL that undoes it")
    rationale: str = Field(min_length=1, max_length=20_000, description="why, with the evidence (numbers from the "
                           "tools)")
    estimated_benefit: str | None = Field(default=None, max_length=500, description="e.g. 'planner cost 1,200 → 8'")


def _file_proposal(ctx: ToolContext, params: FileProposalInput) -> Proposal:
    from dbsage.agent.proposals import ProposalDraft, ProposalStore

    draft = ProposalDraft(title=params.title, engine=ctx.target.engine, target=ctx.target.display,
                          up_sql=params.up_sql, down_sql=params.down_sql, rationale=params.rationale,
                          estimated_benefit=params.estimated_benefit)
    return ProposalStore().create(draft, by=f"dbsage {ctx.origin}")


def _summarize_proposal(p: Proposal) -> str:
    return (f"filed proposal {p.id} ({p.status}): {p.title}. Nothing was run; a person reviews it with "
            f"`dbsage proposals show {p.id}` and approves it with `dbsage proposals approve {p.id}`.")


def _change_specs() -> list[ToolSpec]:
    return [
        ToolSpec("top_statements", TopStatementsInput, TopReport, _top, _summarize_top),
        ToolSpec("checkup", CheckupInput, CheckReport, _checkup, _summarize_checkup),
        ToolSpec("advise_indexes", AdviseIndexesInput, AdviseResult, _advise, _summarize_advice,
                 proposals_of=lambda result: _proposal_refs(result.proposals)),
        ToolSpec("file_proposal", FileProposalInput, Proposal, _file_proposal, _summarize_proposal,
                 proposals_of=lambda proposal: _proposal_refs([proposal])),
    ]


def all_specs() -> list[ToolSpec]:
    """Every tool, in the order a model sees them."""
    specs: list[ToolSpec] = [*_schema_specs(), *_query_specs(), *_change_specs()]
    return specs
