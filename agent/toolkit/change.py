"""Change tools: advise_indexes (index advice proven with the planner; `propose` files proposals) and
file_proposal. Both only *create* pending proposals: nothing here approves, rejects or applies — people do that in
`dbsage proposals`. A tool that files proposals sets `proposals_of` on its ToolSpec (MCP then marks it not
read-only). To add a tool here, write its input model, run and summary, and add one ToolSpec line to SPECS.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from dbsage.agent.proposals.advice import file_advice
from dbsage.agent.proposals.model import Proposal
from dbsage.agent.toolkit.context import ToolContext
from dbsage.agent.toolkit.spec import ToolSpec, engine_for
from dbsage.tools.advisor.report import AdviceReport
from dbsage.tools.guard import MAX_STATEMENT_CHARS as MAX_SQL  # a longer statement would be refused anyway
from dbsage.tools.units import human_bytes


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

    engine = engine_for(ctx, "introspect", "what_if")
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
        size = human_bytes(rec.size_bytes)
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
    from dbsage.agent.proposals.model import ProposalDraft
    from dbsage.agent.proposals.store import ProposalStore

    draft = ProposalDraft(title=params.title, engine=ctx.target.engine, target=ctx.target.display,
                          up_sql=params.up_sql, down_sql=params.down_sql, rationale=params.rationale,
                          estimated_benefit=params.estimated_benefit)
    return ProposalStore().create(draft, by=f"dbsage {ctx.origin}")


def _summarize_proposal(p: Proposal) -> str:
    return (f"filed proposal {p.id} ({p.status}): {p.title}. Nothing was run; a person reviews it with "
            f"`dbsage proposals show {p.id}` and approves it with `dbsage proposals approve {p.id}`.")


SPECS = [
    ToolSpec("advise_indexes", AdviseIndexesInput, AdviseResult, _advise, _summarize_advice,
             proposals_of=lambda result: _proposal_refs(result.proposals)),
    ToolSpec("file_proposal", FileProposalInput, Proposal, _file_proposal, _summarize_proposal,
             proposals_of=lambda proposal: _proposal_refs([proposal])),
]
