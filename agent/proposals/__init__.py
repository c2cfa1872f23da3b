"""Proposals: changes dbsage drafts and only a person approves.

Map: `model.py` (ProposalDraft, Proposal, AuditEntry, the status steps), `store.py` (ProposalStore: SQLite under the
state dir from tools/state.py; `approve(id, by, via=)` for every front end where a person decides), `review.py` (the
risk verdict each proposal gets when filed: destructive, irreversible, no down, locks, from the migration linter),
`schema.py` + `migrations/NNNN_name.sql` (the store's schema, numbered), `advice.py`
(index advice → one pending proposal per recommendation), `migration.py` (a migration draft → a proposal of kind
migration), `export.py` (an approved proposal → files in a migration tool's layout).

To add a field to proposals: add it to the models in model.py and a migration `migrations/000N_what.sql` with the
next number (`ALTER TABLE proposals ADD COLUMN …`); the store applies it the next time it opens the file.
"""

from dbsage.agent.proposals.model import (
    TRANSITIONS,
    AuditEntry,
    InvalidTransition,
    Proposal,
    ProposalDraft,
    Status,
)
from dbsage.agent.proposals.store import ProposalStore
from dbsage.tools.state import current_user, state_dir

__all__ = ["TRANSITIONS", "AuditEntry", "InvalidTransition", "Proposal", "ProposalDraft", "ProposalStore", "Status",
           "current_user", "state_dir"]
