"""Turn index advice into proposals: one pending proposal per recommended index, for a person to review.

Shared by `dbsage advise --propose` and the agent/MCP `advise_indexes` tool, so a proposal reads the same whichever
front end filed it; only the signature (`by`) differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dbsage.agent.proposals.model import Proposal, ProposalDraft
from dbsage.agent.proposals.store import ProposalStore
from dbsage.tools.advisor.report import AdviceReport, Recommendation


def draft_for(rec: Recommendation, report: AdviceReport, engine: str) -> ProposalDraft:
    helped = ", ".join(f"{s.statement_id} cost {s.cost_before:,.0f}→{s.cost_after:,.0f}" for s in rec.helps)
    benefit = "unverified (heuristic: hypopg missing)"
    if report.verified and rec.marginal_reduction is not None:  # its own share, not the set's (issue 10)
        benefit = (f"workload planner cost −{rec.marginal_reduction:.1%} from this index (the set without it costs "
                   f"{rec.marginal_benefit or 0.0:,.0f} more, weighted); the whole set −{report.reduction:.1%}")
    elif report.verified:
        benefit = f"planner cost −{rec.benefit:,.0f} (weighted)"
    return ProposalDraft(
        title=f"create index {rec.index.name}", engine=engine, target=report.target, up_sql=rec.create_sql,
        down_sql=rec.drop_sql, estimated_benefit=benefit, size_bytes=rec.size_bytes,
        rationale=f"{rec.kind} index on {rec.index.table_key}; helps {helped or 'the workload'}. "
                  f"Advice method: {report.method}.",
    )


@dataclass
class Filed:
    """What filing did: `new` proposals, and `existing` identical ones (pending or decided) filed before."""

    new: list[Proposal] = field(default_factory=list)
    existing: list[Proposal] = field(default_factory=list)


def file_advice(report: AdviceReport, by: str, engine: str) -> Filed:
    """File every recommendation of `report` as a pending proposal signed `by`; one already pending or decided for
    the same target is not filed again (it is listed in `existing`)."""
    store, filed = ProposalStore(), Filed()
    for rec in report.recommendations:
        proposal, new = store.file_once(draft_for(rec, report, engine), by=by)
        (filed.new if new else filed.existing).append(proposal)
    return filed
