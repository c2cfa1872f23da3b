"""An approved proposal back into files for a migration tool (alembic, django, …), for `ProposalStore.export`.

A leaf beside the store: it reads a Proposal and writes files, and never opens the store itself.
"""

from __future__ import annotations

from pathlib import Path

from dbsage.agent.proposals.model import Proposal
from dbsage.tools.errors import DbsageError
from dbsage.tools.migrations.draft.model import MigrationDraft, draft_from_scripts


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
