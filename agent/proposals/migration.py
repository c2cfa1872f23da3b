"""Turn a migration draft into a proposal (kind `migration`) and an approved one back into files for a tool.

Shared by `dbsage migrate draft --propose`, the agent/MCP `draft_migration` tool and `dbsage proposals export
--format`: the proposal keeps the draft itself (its steps, phases and application steps, as JSON) and the lint
verdict it had when it was filed, besides the up/down SQL every proposal has.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dbsage.agent.proposals.model import Proposal, ProposalDraft
from dbsage.agent.proposals.store import ProposalStore
from dbsage.tools.errors import DbsageError
from dbsage.tools.migrations.draft.model import MigrationDraft, draft_from_scripts


def proposal_for(draft: MigrationDraft, verdict: dict[str, Any] | None, target: str | None) -> ProposalDraft:
    lint = "not linted" if verdict is None else "lints clean" if verdict["clean"] else \
        f"lint: {len(verdict['findings'])} finding(s)"
    steps = " Application steps between expand and contract: " + " ".join(
        f"({n}) {text}" for n, text in enumerate(draft.app_steps, 1)) if draft.app_steps else ""
    return ProposalDraft(
        title=draft.title, engine=draft.engine, target=target or f"({draft.server.label}, not checked live)",
        up_sql=draft.up_sql(), down_sql=draft.down_sql() or "-- nothing to undo\n",
        rationale=f"{draft.intent} drafted for {draft.server.label}; {lint}.{steps} " + " ".join(draft.notes),
        kind="migration", lint_verdict=json.dumps(verdict) if verdict is not None else None,
        migration_draft=draft.model_dump_json(),
    )


def file_migration(draft: MigrationDraft, verdict: dict[str, Any] | None, by: str,
                   target: str | None = None) -> Proposal:
    """File `draft` as a pending proposal signed `by`. Never applies anything."""
    return ProposalStore().create(proposal_for(draft, verdict, target), by=by)


def draft_of(proposal: Proposal) -> MigrationDraft:
    """The proposal's migration draft: stored with it (kind migration), or rebuilt from its up/down SQL (an index
    proposal: each statement a step, CONCURRENTLY ones outside a transaction)."""
    if proposal.migration_draft:
        draft = MigrationDraft.model_validate_json(proposal.migration_draft)
        # Export exactly what the reviewer read: the stored up/down went through visible() on the way in, so a
        # control character hidden in the draft would make them differ.
        if (draft.up_sql(), draft.down_sql() or "-- nothing to undo\n") != (proposal.up_sql, proposal.down_sql):
            raise DbsageError(f"proposal #{proposal.id}: its stored draft differs from the SQL that was reviewed",
                              "export it as plain SQL (--format table) and review that")
        return draft
    return draft_from_scripts(proposal.engine, f"proposal_{proposal.id}", proposal.title, proposal.up_sql,
                              proposal.down_sql, note=f"From proposal #{proposal.id}: {proposal.rationale}")


def export_for_tool(proposal: Proposal, tool: str, folder: Path) -> list[Path]:
    """The approved proposal's migration in `tool`'s layout under `folder` (chained onto what is there)."""
    from dbsage.tools.migrations.render import render_draft, write_files

    return write_files(render_draft(draft_of(proposal), tool, out_dir=folder), folder)
