"""The verdict every proposal carries from the moment it is filed: does it destroy data, can it be undone, does it
have a down at all, which locks does it take — from dbsage's migration linter (tools/migrations/lint), with a
keyword safety net for SQL the linter cannot parse, so `DROP TABLE orders CASCADE` with `-- none` as its down is
never filed as an innocent change.

`review_sql(engine, up_sql, down_sql)` is pure (no store, no database): the store calls it in `create`.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from dbsage.tools.errors import DbsageError

Worst = Literal["error", "warning", "info", "clean", "unknown"]
# Rules whose statement loses data for good: the down can recreate the object, never its rows.
_DATA_LOSS_RULES = {"drop-table", "drop-column", "drop-database", "truncate-table"}
# Locks that stop other sessions' reads or writes while they are held.
_BLOCKING_LOCKS = ("ACCESS EXCLUSIVE", "EXCLUSIVE", "SHARE ROW EXCLUSIVE", "SHARE", "LOCK=EXCLUSIVE", "LOCK=SHARED",
                   "METADATA")
_MAX_FINDINGS = 20
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
# The safety net, for text the linter could not read (or an engine without a SQL linter): words that lose data.
_LOSES_DATA = re.compile(
    r"(?i)\b(?:drop\s+(?:table|database|schema|owned|column)\b|truncate\b|delete\s+from\b|"
    r"alter\s+table\b[^;]*\bdrop\b(?!\s+(?:constraint|index|default|not\s+null|identity))|"
    r"drop\s+\w+[^;]*\bcascade\b|dropDatabase|deleteMany|deleteOne)|\"(?:drop|dropDatabase|delete)\"")
_CHANGES_ROWS = re.compile(r"(?i)\bupdate\s+[\w.\"`]+\s+set\b")


class ReviewFinding(BaseModel):
    rule: str
    severity: str
    line: int
    lock: str = "NONE"
    reason: str


class ProposalReview(BaseModel):
    """How risky a proposal is, decided when it was filed. Front ends flag `destructive` in every list and card."""

    linted: bool = Field(description="dbsage's migration linter read the up SQL (False: see `note`)")
    destructive: bool = Field(description="loses data: DROP TABLE/COLUMN/SCHEMA/DATABASE, TRUNCATE, DELETE, CASCADE")
    irreversible: bool = Field(description="the down cannot restore what up changes (data lost, rows rewritten, "
                               "or no down at all)")
    no_down: bool = Field(description="the down SQL is empty or only comments")
    locks: list[str] = Field(default_factory=list, description="blocking locks it takes: 'LOCK on statement'")
    findings: list[ReviewFinding] = Field(default_factory=list, description=f"the linter's, at most {_MAX_FINDINGS}")
    worst: Worst = Field(default="clean", description="the worst lint severity; unknown when not linted")
    note: str | None = None

    def flags(self) -> list[str]:
        """Short upper-case marks for lists and cards, most serious first."""
        marks = [("DESTRUCTIVE", self.destructive), ("IRREVERSIBLE", self.irreversible), ("NO DOWN", self.no_down),
                 ("LOCKS", bool(self.locks)), ("NOT LINTED", not self.linted)]
        return [mark for mark, on in marks if on]

    def line(self) -> str:
        """One line for a list or a confirmation prompt."""
        flags = ", ".join(self.flags()) or "no risk flags"
        return f"{flags}; lint: {self.worst}" + (f" ({len(self.findings)} finding(s))" if self.findings else "")


def _code(sql: str) -> str:
    return _COMMENTS.sub(" ", sql).strip().strip(";").strip()


def review_sql(engine: str, up_sql: str, down_sql: str) -> ProposalReview:
    """The verdict on one proposal's SQL. Never raises for bad SQL: an unparsable up is reported as not linted and
    judged by the keyword net alone."""
    from dbsage.tools.migrations.lint.runner import DIALECTS, lint_sql

    no_down = not _code(down_sql)
    code = _code(up_sql)
    findings: list[ReviewFinding] = []
    locks: list[str] = []
    loses, note, linted = False, None, False
    if engine in DIALECTS:  # the linter's dialect names are the engine names of the SQL engines
        try:
            report = lint_sql(up_sql, engine, filename="<proposal>")
            linted = True
        except DbsageError as exc:
            note = f"the linter could not parse the up SQL: {exc.message[:200]}"
        else:
            for f in report.findings:
                findings.append(ReviewFinding(rule=f.rule, severity=f.severity, line=f.line, lock=f.lock,
                                              reason=f.reason[:300]))
                loses = loses or f.rule in _DATA_LOSS_RULES or (
                    f.rule == "drop-object" and re.search(r"(?i)\b(cascade|schema)\b", f.statement) is not None)
                if f.lock in _BLOCKING_LOCKS:
                    entry = f"{f.lock} on {f.statement[:80]}"
                    if entry not in locks:
                        locks.append(entry)
    else:
        note = "no SQL linter for this engine: judged by keywords only"
    loses = loses or _LOSES_DATA.search(code) is not None
    rewrites_rows = _CHANGES_ROWS.search(code) is not None
    severities = {f.severity for f in findings}
    worst: Worst = next((s for s in ("error", "warning", "info") if s in severities),
                        "clean" if linted else "unknown")
    return ProposalReview(linted=linted, destructive=loses, irreversible=loses or rewrites_rows or no_down,
                          no_down=no_down, locks=locks[:10], findings=findings[:_MAX_FINDINGS], worst=worst,
                          note=note)
