"""What a proposal is: the draft the agent files, the stored proposal with its audit trail, and the steps its
status may take (pending → approved → applied, or → rejected, or → withdrawn; nothing else, nothing deleted).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from dbsage.agent.proposals.review import ProposalReview
from dbsage.tools.errors import DbsageError
from dbsage.tools.migrations.apply.model import ApplyRecord
from dbsage.tools.migrations.rehearse.model import RehearsalResult

Status = Literal["pending", "approved", "rejected", "applied", "withdrawn"]
TRANSITIONS: dict[Status, set[Status]] = {
    "pending": {"approved", "rejected", "withdrawn"},
    "approved": {"applied", "rejected", "withdrawn"},
    "rejected": set(),
    "applied": set(),
    "withdrawn": set(),
}
# An identical proposal in one of these statuses is not filed again (a withdrawn one may be filed anew).
BLOCKS_REFILING: tuple[Status, ...] = ("pending", "approved", "applied", "rejected")
# How a person decided, recorded in the audit: a confirmed terminal prompt, the CLI's --yes (no prompt), an
# allow-listed Slack user, the terminal chat's dialog. Free text is accepted for front ends added later.
VIA_TERMINAL, VIA_YES, VIA_SLACK, VIA_CHAT = "terminal", "--yes", "slack", "chat"
AGENT_ACTOR = re.compile(r"^dbsage\b")  # how agent paths sign: "dbsage agent", "dbsage mcp", "dbsage advise"


class InvalidTransition(DbsageError):
    """The proposal's status does not allow that step (e.g. approving a rejected proposal)."""


class DuplicateProposal(DbsageError):
    """An identical proposal (same engine, target and up SQL) is already pending or decided; `existing` is it."""

    def __init__(self, existing: Proposal) -> None:
        super().__init__(f"not filed: proposal #{existing.id} ({existing.status}) is the same change for the same "
                         f"target: {existing.title}",
                         f"see it with `dbsage proposals show {existing.id}`; nothing new was filed")
        self.existing = existing


class ProposalDraft(BaseModel):
    title: str
    engine: str
    target: str = Field(description="redacted on the way in: a DSN password never reaches the store")
    up_sql: str
    down_sql: str
    estimated_benefit: str | None = None
    size_bytes: int | None = None
    rationale: str = ""
    kind: str = Field(default="index", description="index (advice, file_proposal) or migration (migrate draft)")
    lint_verdict: str | None = Field(default=None, description="JSON: dbsage lint's verdict when it was filed")
    migration_draft: str | None = Field(default=None, description="JSON: the MigrationDraft, for export --format")


class AuditEntry(BaseModel):
    at: datetime
    who: str
    action: str
    note: str | None = None
    via: str | None = Field(default=None, description="how a person decided: terminal (confirmed at a prompt), "
                            "--yes (no prompt), slack, chat; None for filing and for entries before 0003")


class Proposal(ProposalDraft):
    id: int
    status: Status
    created_at: datetime
    created_by: str
    review: ProposalReview | None = Field(default=None, description="the risk verdict given when it was filed "
                                          "(filed before reviews existed: judged when read, as its note says)")
    audit: list[AuditEntry] = Field(default_factory=list)
    rehearsal: RehearsalResult | None = Field(default=None, description="the latest `dbsage migrate rehearse` of "
                                              "it (schema 0004)")
    apply_outcome: ApplyRecord | None = Field(default=None, description="the record of the latest `dbsage "
                                              "proposals apply`: which steps ran (schema 0004)")

    @field_validator("rehearsal", "apply_outcome", mode="before")
    @classmethod
    def _stored_json(cls, value: object) -> object:
        """The store keeps both as JSON text."""
        return json.loads(value) if isinstance(value, str) else value

    @property
    def destructive(self) -> bool:
        return self.review is not None and self.review.destructive
