"""The steps a proposal runs, for rehearsal and apply: its stored migration draft's steps (with their transaction
boundaries) when it has one, else its up/down SQL read as psql would run it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dbsage.agent.proposals.model import Proposal
    from dbsage.tools.migrations.draft.model import Step


def proposal_steps(proposal: Proposal) -> tuple[list[Step], list[Step]]:
    from dbsage.tools.migrations.draft.model import MigrationDraft
    from dbsage.tools.migrations.rehearse import steps_from_script

    if proposal.migration_draft:
        draft = MigrationDraft.model_validate_json(proposal.migration_draft)
        return draft.up, draft.down
    return (steps_from_script(proposal.up_sql, f"proposal #{proposal.id} (up)"),
            steps_from_script(proposal.down_sql, f"proposal #{proposal.id} (down)"))
