"""The record of one apply: every step with what happened to it, the settings it ran under, who started it and
when, the down for the steps that ran, invalid indexes left behind. It is saved before the first statement and
after every step, so that it stays true when the apply is cut short."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

StepStatus = Literal["not run", "running", "ran", "failed", "rolled back", "interrupted"]
ApplyStatus = Literal["running", "applied", "failed", "interrupted"]


class ApplyStep(BaseModel):
    index: int = Field(description="1-based position in the up script")
    group: int = Field(description="1-based transaction group: steps of one group commit together")
    sql: str
    transactional: bool = True
    status: StepStatus = "not run"
    attempts: int = 0
    seconds: float | None = None
    error: str | None = None


class InvalidIndex(BaseModel):
    name: str
    drop: str = Field(description="the statement that removes it")


class ApplySettings(BaseModel):
    lock_timeout: str = "3s"
    statement_timeout: str = "30min"
    retries: int = Field(default=3, ge=0, le=20, description="extra attempts of a group after a lock timeout")
    backoff_s: float = Field(default=1.0, ge=0, le=300, description="first wait; doubled after each retry")


class ApplyRecord(BaseModel):
    proposal_id: int
    status: ApplyStatus = "running"
    by: str = Field(description="the OS user who started it")
    write_target: str
    started_at: datetime
    finished_at: datetime | None = None
    settings: ApplySettings
    steps: list[ApplyStep]
    down_for_ran: list[str] = Field(default_factory=list, description="SQL that undoes the steps that ran")
    invalid_indexes: list[InvalidIndex] = Field(default_factory=list)
    forced: bool = Field(default=False, description="--force: applied although the live lint had new findings")
    relint: list[str] = Field(default_factory=list, description="what the lint against the live database said")
    note: str | None = None

    def count(self, status: StepStatus) -> int:
        return sum(1 for step in self.steps if step.status == status)

    @property
    def summary(self) -> str:
        ran, total = self.count("ran"), len(self.steps)
        if self.status == "applied":
            return f"applied: {ran} of {total} steps ran"
        failed = next((s for s in self.steps if s.status in ("failed", "rolled back", "interrupted", "running")),
                      None)
        where = f" at step {failed.index} ({failed.status}: {failed.error or 'no error text'})" if failed else ""
        return f"{self.status}{where}; {ran} of {total} steps ran, {self.count('not run')} not run"
