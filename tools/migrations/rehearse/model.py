"""What a rehearsal reports: how the schema was copied, how many rows were sampled (and which columns masked), each
of the three passes (up, down, up) with every statement's time, locks and rewrites, and whether down restored the
schema exactly (the catalog difference when it did not).

Front ends and the proposals store read only these models; `RehearsalResult.model_dump_json()` is what is attached
to a proposal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Pass = Literal["up", "down", "up again"]


class LockTaken(BaseModel):
    """A table-level lock a statement held (PostgreSQL's mode names, e.g. AccessExclusiveLock)."""

    relation: str
    mode: str

    @property
    def level(self) -> str:
        """`AccessExclusiveLock` → `ACCESS EXCLUSIVE`: the words the linter and the docs use."""
        words, word = [], ""
        for char in self.mode.removesuffix("Lock"):
            if char.isupper() and word:
                words.append(word)
                word = ""
            word += char
        return " ".join([*words, word]).upper()


class StatementRun(BaseModel):
    sql: str
    seconds: float
    transactional: bool = True
    locks: list[LockTaken] = Field(default_factory=list)
    locks_observed: Literal["held in its transaction", "watched from a second session"] = "held in its transaction"
    rewrote: list[str] = Field(default_factory=list, description="tables/indexes whose relfilenode changed")
    error: str | None = None


class PassRun(BaseModel):
    name: Pass
    seconds: float
    statements: list[StatementRun] = Field(default_factory=list)
    ok: bool = True
    error: str | None = None


class SampleReport(BaseModel):
    seconds: float = 0.0
    tables: int = 0
    rows: int = 0
    rows_per_table: int = 0
    dropped_orphans: int = Field(default=0, description="sampled rows removed so every foreign key holds")
    masked: list[str] = Field(default_factory=list, description="table.column values replaced (PII-looking names)")
    skipped: list[str] = Field(default_factory=list, description="tables whose rows could not be copied, and why")
    foreign_keys: list[dict[str, Any]] = Field(default_factory=list, exclude=True, repr=False,
                                               description="the keys `settle` checks (not reported)")


class SchemaCopy(BaseModel):
    method: str = Field(description="e.g. 'pg_dump 15.20 (/usr/lib/postgresql/15/bin/pg_dump)' or 'catalog DDL'")
    seconds: float
    statements: int = 0
    skipped: list[str] = Field(default_factory=list, description="what the scratch could not take, and why")


class RehearsalResult(BaseModel):
    ok: bool = Field(description="up, down and up again all ran, and down restored the schema exactly")
    target: str
    scratch: str
    server_version: str = ""
    at: datetime
    seconds: float
    schema_copy: SchemaCopy
    sample: SampleReport
    passes: list[PassRun]
    down_restores: bool | None = Field(default=None, description="None: down did not run to the end")
    diff: list[str] = Field(default_factory=list, description="'- …' lost by up+down, '+ …' left behind by it")
    second_up_ok: bool | None = None
    notes: list[str] = Field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.ok:
            return "rehearsed: up, down and up again ran; down restores the schema exactly"
        failed = next((p for p in self.passes if not p.ok), None)
        then = f"; then {failed.name} failed: {failed.error}" if failed is not None else ""
        if self.down_restores is False:
            return f"down does not restore the schema ({len(self.diff)} difference(s)){then}"
        if failed is not None:
            return f"failed in {failed.name}: {failed.error}"
        return "not rehearsed to the end"
