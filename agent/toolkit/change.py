"""Change tools: advise_indexes (index advice proven with the planner; `propose` files proposals), what_if_indexes
(read-only: the caller's hypothetical indexes, each statement's cost before/after), file_proposal and
list_proposals (read-only: the queue with each proposal's risk flags). advise_indexes and file_proposal only
*create* pending proposals — never an identical one twice for the same target — and nothing here approves,
rejects or applies: people do that in `dbsage proposals`. A tool that files proposals sets `proposals_of` on its
ToolSpec (MCP then marks it not read-only). To add a tool here, write its input model, run and summary, and add one
ToolSpec line to SPECS.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from dbsage.agent.proposals.advice import file_advice
from dbsage.agent.proposals.model import Proposal
from dbsage.agent.toolkit.context import ToolContext
from dbsage.agent.toolkit.spec import ToolSpec, engine_for
from dbsage.tools.advisor.report import AdviceReport
from dbsage.tools.advisor.whatif import WhatIfReport
from dbsage.tools.guard import MAX_STATEMENT_CHARS as MAX_SQL  # a longer statement would be refused anyway
from dbsage.tools.units import human_bytes

# file_proposal's kind: `index` when the up SQL only creates indexes, `change` for anything else.
_ONLY_INDEXES = re.compile(r"(?is)^\s*(?:create\s+(?:unique\s+)?index\b[^;]*;\s*)*create\s+(?:unique\s+)?"
                           r"index\b[^;]*;?\s*$")


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
    already_filed: list[Proposal] = Field(default_factory=list, description="identical proposals pending or "
                                          "decided before: not filed again")


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
    if not params.propose:
        return AdviseResult(report=report)
    filed = file_advice(report, by=f"dbsage {ctx.origin}", engine=ctx.target.engine)
    return AdviseResult(report=report, proposals=filed.new, already_filed=filed.existing)


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
    lines += [f"filed proposal {p.id} (pending): {p.title}" for p in result.proposals]
    lines += [f"not filed again: proposal {p.id} ({p.status}) is the same change" for p in result.already_filed]
    return "\n".join(lines)


class WhatIfIndexesInput(BaseModel):
    statements: list[Annotated[str, Field(max_length=MAX_SQL)]] = Field(
        min_length=1, max_length=20, description="the read statements (SELECT) to cost")
    indexes: list[Annotated[str, Field(max_length=2_000)]] = Field(
        min_length=1, max_length=10, description="hypothetical indexes: 'CREATE INDEX ON orders (customer_id)' or "
        "the short form 'orders (customer_id, created_at DESC)'; INCLUDE (…) and WHERE … work too")


def _what_if(ctx: ToolContext, params: WhatIfIndexesInput) -> WhatIfReport:
    from dbsage.tools.advisor.whatif import what_if_indexes

    return what_if_indexes(engine_for(ctx, "introspect", "what_if"), params.statements, params.indexes)


def _summarize_what_if(report: WhatIfReport) -> str:
    lines = [f"what-if ({report.method}):"]
    for index in report.indexes:
        if index.error:
            lines.append(f"index {index.given}: not costed — {index.error}")
        else:
            used = ", ".join(index.used_by) or "no statement"
            lines.append(f"index {index.create_sql} (≈{human_bytes(index.size_bytes)}): used by {used}")
    for s in report.statements:
        if s.error:
            lines.append(f"{s.id}: {'refused' if s.refused else 'not costed'} — {s.error}  [{s.preview}]")
            continue
        verdict = "helps" if (s.change or 0) <= -0.1 else "no real change" if abs(s.change or 0) < 0.1 else "worse"
        lines.append(f"{s.id}: planner cost {s.cost_before:,.1f} → {s.cost_after:,.1f} ({s.change:+.0%}, {verdict}); "
                     f"plan uses {', '.join(s.uses_after) or 'no index'}  [{s.preview}]")
    lines += [f"note: {note}" for note in report.notes]
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
                          estimated_benefit=params.estimated_benefit,
                          kind="index" if _ONLY_INDEXES.match(params.up_sql) else "change")
    # An identical pending or decided proposal raises DuplicateProposal: the call fails naming the one that exists.
    return ProposalStore().create(draft, by=f"dbsage {ctx.origin}")


def _summarize_proposal(p: Proposal) -> str:
    risk = f" Review verdict: {p.review.line()}." if p.review else ""
    return (f"filed proposal {p.id} ({p.status}): {p.title}.{risk} Nothing was run; a person reviews it with "
            f"`dbsage proposals show {p.id}` and approves it with `dbsage proposals approve {p.id}`.")


class ListProposalsInput(BaseModel):
    status: Literal["pending", "approved", "rejected", "applied", "withdrawn"] | None = None
    kind: str | None = Field(default=None, max_length=40, description="index, migration or change")
    this_target_only: bool = Field(default=True, description="only proposals for the connected database")
    limit: int = Field(default=20, ge=1, le=100, description="newest first, at most this many")


class ProposalLine(BaseModel):
    id: int
    title: str
    status: str
    kind: str
    target: str
    flags: list[str] = Field(description="DESTRUCTIVE, IRREVERSIBLE, NO DOWN, LOCKS, NOT LINTED")
    created_by: str
    decided_by: str | None = None
    decided_via: str | None = None


class ProposalList(BaseModel):
    store: str = Field(description="the proposals store this read (its file)")
    total: int = Field(description="proposals matching, before `limit`")
    proposals: list[ProposalLine]


def _list_proposals(ctx: ToolContext, params: ListProposalsInput) -> ProposalList:
    from dbsage.agent.proposals.store import ProposalStore

    store = ProposalStore()
    found = store.list(params.status, target=ctx.target.display if params.this_target_only else None,
                       kind=params.kind)
    lines = []
    for p in reversed(found[-params.limit:]):
        decided = next((a for a in reversed(p.audit) if a.action in ("approved", "rejected", "withdrawn")), None)
        lines.append(ProposalLine(id=p.id, title=p.title[:200], status=p.status, kind=p.kind, target=p.target,
                                  flags=p.review.flags() if p.review else ["NOT REVIEWED"], created_by=p.created_by,
                                  decided_by=decided.who if decided else None,
                                  decided_via=decided.via if decided else None))
    return ProposalList(store=store.location, total=len(found), proposals=lines)


def _summarize_list(result: ProposalList) -> str:
    if not result.proposals:
        return f"no proposals match (store {result.store})"
    head = f"{result.total} proposal(s), newest first" + (
        f" (showing {len(result.proposals)})" if result.total > len(result.proposals) else "")
    lines = [head]
    for p in result.proposals:
        flags = f" [{', '.join(p.flags)}]" if p.flags else ""
        lines.append(f"#{p.id} {p.status} {p.kind}: {p.title}{flags}")
    return "\n".join(lines)


SPECS = [
    ToolSpec("advise_indexes", AdviseIndexesInput, AdviseResult, _advise, _summarize_advice,
             proposals_of=lambda result: _proposal_refs(result.proposals)),
    ToolSpec("what_if_indexes", WhatIfIndexesInput, WhatIfReport, _what_if, _summarize_what_if),
    ToolSpec("file_proposal", FileProposalInput, Proposal, _file_proposal, _summarize_proposal,
             proposals_of=lambda proposal: _proposal_refs([proposal])),
    ToolSpec("list_proposals", ListProposalsInput, ProposalList, _list_proposals, _summarize_list),
]
