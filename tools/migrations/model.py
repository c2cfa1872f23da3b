"""What the migration linter reads and reports: statements with their lock, findings, the report, live facts.

Callers may rely on these shapes (the CLI, `migrate draft`, the agent's tools and JSON output all use them).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Dialect = Literal["postgres", "mysql"]
Severity = Literal["error", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}

# What each PostgreSQL table lock blocks, in words a reviewer can weigh (docs: "Table-Level Locks").
LOCK_BLOCKS: dict[str, str] = {
    "ACCESS EXCLUSIVE": "blocks all reads and writes",
    "EXCLUSIVE": "blocks writes and row locks; plain reads go on",
    "SHARE ROW EXCLUSIVE": "blocks writes",
    "SHARE": "blocks writes (INSERT/UPDATE/DELETE)",
    "SHARE UPDATE EXCLUSIVE": "blocks other schema changes and VACUUM; reads and writes go on",
    "ROW EXCLUSIVE": "blocks only schema changes",
    "ACCESS SHARE": "blocks only ACCESS EXCLUSIVE",
    # MySQL/MariaDB online DDL: the LOCK clause's levels, and the metadata lock every ALTER takes briefly.
    "LOCK=EXCLUSIVE": "blocks all reads and writes for the whole copy",
    "LOCK=SHARED": "blocks writes for the whole operation; reads go on",
    "LOCK=NONE": "reads and writes go on (a brief metadata lock at start and end)",
    "METADATA": "a brief exclusive metadata lock; queued behind long transactions, it blocks everyone queued after",
    "NONE": "takes no table lock",
}


class Statement(BaseModel):
    """One statement of a migration as the linter understands it."""

    index: int = Field(description="0-based position in the file")
    file: str
    line: int = Field(description="1-based line of the statement's first token")
    sql: str
    kind: str = Field(description="parser node kind, e.g. AlterTableStmt / alter / create_index")
    tables: list[str] = Field(default_factory=list, description="tables it touches (lower-case, unqualified)")
    lock: str = Field(default="NONE", description="strongest lock it takes (PostgreSQL level or MySQL LOCK=)")
    rewrites: bool = Field(default=False, description="rewrites the whole table (and its indexes)")
    scans: bool = Field(default=False, description="reads the whole table while holding its lock")
    transactional: bool = Field(default=True, description="may run inside a transaction block")

    @property
    def blocks(self) -> str:
        return LOCK_BLOCKS.get(self.lock, "")


class Finding(BaseModel):
    """One problem with one statement. `safe_rewrite` is SQL a reviewer can paste (comments allowed)."""

    rule: str
    family: str
    severity: Severity
    file: str
    line: int
    lock: str = "NONE"
    blocks: str = ""
    reason: str
    safe_rewrite: str = ""
    kb: str | None = None
    statement: str = Field(default="", description="the statement's text, shortened")


class TableFacts(BaseModel):
    """What the live database says about one table."""

    rows: int | None = None
    bytes: int | None = None
    writes: int | None = Field(default=None, description="rows updated+deleted+inserted since stats reset")
    hot: bool = False
    columns: dict[str, str] = Field(default_factory=dict, description="column name (lower-case) → its type")


class LiveContext(BaseModel):
    """Live facts passed in by the caller (`--db`), keyed by lower-case table name (bare and schema-qualified)."""

    server_version: int | None = Field(default=None, description="major*10000+minor, e.g. 150004, 100611")
    mariadb: bool = False
    tables: dict[str, TableFacts] = Field(default_factory=dict)

    def facts(self, table: str) -> TableFacts | None:
        key = table.lower()
        return self.tables.get(key) or self.tables.get(key.rpartition(".")[2])


class LintReport(BaseModel):
    """Findings for one or more files, in file/line order."""

    dialect: Dialect
    files: list[str] = Field(default_factory=list)
    statements: int = 0
    findings: list[Finding] = Field(default_factory=list)
    live: bool = Field(default=False, description="table sizes came from a live database")

    def at_or_above(self, severity: Severity) -> list[Finding]:
        floor = SEVERITY_RANK[severity]
        return [f for f in self.findings if SEVERITY_RANK[f.severity] >= floor]

    @property
    def clean(self) -> bool:
        """No warning or error (info findings are advice, not a verdict)."""
        return not self.at_or_above("warning")

    def merge(self, other: LintReport) -> None:
        self.files.extend(other.files)
        self.statements += other.statements
        self.findings.extend(other.findings)
        self.live = self.live or other.live
