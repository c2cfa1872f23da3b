"""What a proposal is: the draft the agent files, the stored proposal with its audit trail, and the steps its
status may take (pending → approved → applied, or → rejected; nothing else).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from dbsage.tools.errors import DbsageError

Status = Literal["pending", "approved", "rejected", "applied"]
TRANSITIONS: dict[Status, set[Status]] = {
    "pending": {"approved", "rejected"},
    "approved": {"applied", "rejected"},
    "rejected": set(),
    "applied": set(),
}
AGENT_ACTOR = re.compile(r"^dbsage\b")  # how agent paths sign: "dbsage agent", "dbsage mcp", "dbsage advise"


class InvalidTransition(DbsageError):
    """The proposal's status does not allow that step (e.g. approving a rejected proposal)."""


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


class Proposal(ProposalDraft):
    id: int
    status: Status
    created_at: datetime
    created_by: str
    audit: list[AuditEntry] = Field(default_factory=list)
