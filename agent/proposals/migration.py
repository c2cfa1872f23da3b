"""Turn a migration draft into a proposal (kind `migration`) and an approved one back into files for a tool.

Shared by `dbsage migrate draft --propose`, the agent/MCP `draft_migration` tool and `dbsage proposals export
--format` (its files: export.py, which the store calls): the proposal keeps the draft itself (its steps, phases and
application steps, as JSON) and the lint verdict it had when it was filed, besides the up/down SQL every proposal
has.
"""

from __future__ import annotations

import json
from typing import Any

from dbsage.agent.proposals.model import Proposal, ProposalDraft
from dbsage.agent.proposals.store import ProposalStore
from dbsage.tools.migrations.draft.model import MigrationDraft


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
    """File `draft` as a pending proposal signed `by`. Never applies anything. An identical proposal for the same
    target that is pending or decided is returned instead of a new one (its audit shows when it was filed)."""
    return ProposalStore().file_once(proposal_for(draft, verdict, target), by=by)[0]
