"""Migration tools: draft_migration — the safe multi-step pattern for a schema change, checked against the live
schema, linted, and filed as a pending proposal (kind `migration`). It never applies anything: people approve and
export it (`dbsage proposals`). It sets `proposals_of` (MCP marks it not read-only).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from dbsage.agent.proposals.model import Proposal
from dbsage.agent.toolkit.context import ToolContext
from dbsage.agent.toolkit.spec import ToolSpec, engine_for
from dbsage.tools.migrations.draft.model import MigrationDraft

_FRAGMENT = 2_000  # a type, default or expression: short SQL pieces


class DraftMigrationInput(BaseModel):
    intent: str = Field(max_length=40, description="add-index, add-unique, add-column, add-foreign-key, "
                        "add-check, set-not-null, change-type, rename-column, rename-table, drop-column or backfill")
    table: str = Field(min_length=1, max_length=200)
    columns: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=32)
    type: str | None = Field(default=None, max_length=_FRAGMENT)
    default: str | None = Field(default=None, max_length=_FRAGMENT)
    not_null: bool = False
    unique: bool = False
    references: str | None = Field(default=None, max_length=400, description="table(column) for add-foreign-key")
    check: str | None = Field(default=None, max_length=_FRAGMENT, description="boolean expression for add-check")
    new_name: str | None = Field(default=None, max_length=200)
    set: str | None = Field(default=None, max_length=_FRAGMENT, description="backfill: the value each row gets")
    where: str | None = Field(default=None, max_length=_FRAGMENT)


class DraftMigrationResult(BaseModel):
    draft: MigrationDraft
    lint: dict[str, Any] | None = Field(default=None, description="the draft's lint verdict")
    proposal: Proposal
    already_filed: bool = Field(default=False, description="the same change for this target was pending or decided "
                                "already: `proposal` is that one, nothing new was filed")


def _draft(ctx: ToolContext, params: DraftMigrationInput) -> DraftMigrationResult:
    from dbsage.agent.proposals.migration import proposal_for
    from dbsage.agent.proposals.store import ProposalStore
    from dbsage.tools.migrations.draft import draft_migration
    from dbsage.tools.migrations.draft.model import DraftRequest
    from dbsage.tools.migrations.draft.verdict import lint_verdict

    request = DraftRequest(**params.model_dump(exclude={"set"}), set_expr=params.set)
    draft = draft_migration(request, engine=engine_for(ctx, "introspect", "server_report"))
    try:
        verdict: dict[str, Any] | None = lint_verdict(draft)
    except ImportError:  # a dbsage without the linter still drafts
        verdict = None
    proposal, new = ProposalStore().file_once(proposal_for(draft, verdict, ctx.target.display),
                                              by=f"dbsage {ctx.origin}")
    return DraftMigrationResult(draft=draft, lint=verdict, proposal=proposal, already_filed=not new)


def _summarize(result: DraftMigrationResult) -> str:
    d = result.draft
    filed = (f"not filed again: proposal {result.proposal.id} ({result.proposal.status}) is the same change"
             if result.already_filed else f"filed proposal {result.proposal.id} (pending)")
    lines = [f"drafted {d.title} for {d.server.label}; {filed}. Nothing was run: a person reviews it "
             f"(`dbsage proposals show {result.proposal.id}`), approves and exports it."]
    for phase in d.phases():
        lines.append(f"{phase.name} up:")
        lines += [_step_line(step.sql, step.transactional) for step in phase.up]
        if phase.name == "expand" and d.app_steps:
            lines.append("application steps before contract:")
            lines += [f"  {n}. {text}" for n, text in enumerate(d.app_steps, 1)]
    lint = result.lint
    lines.append("lint: not judged" if lint is None else "lint: clean" if lint["clean"]
                 else f"lint: {len(lint['findings'])} finding(s)")
    lines += [f"note: {note}" for note in d.notes]
    return "\n".join(lines)


def _step_line(sql: str, transactional: bool) -> str:
    first, _, more = sql.partition("\n")
    return f"  {first}{' …' if more else ''}{'' if transactional else '  [outside a transaction]'}"


SPECS = [
    ToolSpec("draft_migration", DraftMigrationInput, DraftMigrationResult, _draft, _summarize,
             proposals_of=lambda result: [] if result.already_filed else [
                 {"id": result.proposal.id, "title": result.proposal.title, "status": result.proposal.status}]),
]
