"""What a drafted migration is: the request (an intent and its options), the server it is drafted for, and the
result — ordered up and down steps, each with its SQL, whether it must run outside a transaction and why, grouped
into an expand phase and (for changes that running code would notice) a contract phase, with the steps the
application must take between them.

Renderers (tools/migrations/render) and front ends read only these models.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from dbsage.tools.errors import UsageError

DraftEngine = Literal["postgres", "mysql"]
Flavor = Literal["postgresql", "mysql", "mariadb"]
PhaseName = Literal["expand", "contract"]

_FLAVOR_TITLES: dict[Flavor, str] = {"postgresql": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB"}
# Assumed when neither --db nor --server-version says: current releases people run in production.
DEFAULT_VERSIONS: dict[Flavor, tuple[int, ...]] = {"postgresql": (16,), "mysql": (8, 0, 36), "mariadb": (10, 11)}


class ServerVersion(BaseModel):
    """The server a draft is written for. Patterns depend on it (PG 12's SET NOT NULL using a CHECK, MySQL 8.0's
    INSTANT ADD COLUMN, MariaDB 10.4's INSTANT DROP COLUMN …)."""

    flavor: Flavor
    number: tuple[int, ...]
    assumed: bool = Field(default=False, description="no --db or --server-version said so: the default was used")

    @property
    def engine(self) -> DraftEngine:
        return "postgres" if self.flavor == "postgresql" else "mysql"

    @property
    def label(self) -> str:
        return f"{_FLAVOR_TITLES[self.flavor]} {'.'.join(str(n) for n in self.number)}"

    def at_least(self, *version: int) -> bool:
        return self.number[: len(version)] >= version

    @classmethod
    def parse(cls, flavor: Flavor, text: str | None) -> ServerVersion:
        """`16`, `15.4`, `8.0.36`, `10.11`, or a server's version string (`PostgreSQL 15.4 on …`); None: default."""
        if not text:
            return cls(flavor=flavor, number=DEFAULT_VERSIONS[flavor], assumed=True)
        match = re.search(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", text)
        if match is None:
            raise UsageError(f"cannot read a server version from {text!r}",
                             "give --server-version as a number, e.g. 15 for PostgreSQL or 8.0.36 for MySQL")
        return cls(flavor=flavor, number=tuple(int(part) for part in match.groups() if part is not None))


_ASCII = str.maketrans({"—": "-", "–": "-", "…": "...", "→": "->", "≥": ">=", "≤": "<=", "’": "'"})


class Step(BaseModel):
    """One statement of a migration. Its comment is kept to ASCII: it lands in migration files that many editors,
    tools and byte-offset parsers read."""

    sql: str
    transactional: bool = Field(default=True, description="False: must run outside a transaction block")
    comment: str = Field(description="why this step is here, in one or two sentences")
    phase: PhaseName = "expand"
    new_transaction: bool = Field(default=False, description="starts its own transaction (a VALIDATE must not "
                                  "share the transaction of its NOT VALID, or the lock is held for the whole scan)")

    lint_ignore: list[str] = Field(default_factory=list, description="lint rules this step knowingly trips, e.g. "
                                   "drop-column in a contract phase that runs after the application stopped using "
                                   "the column; the comment says why")

    @field_validator("comment")
    @classmethod
    def _ascii_comment(cls, text: str) -> str:
        return text.translate(_ASCII)


class Phase(BaseModel):
    """One migration file's worth of a draft: the expand phase runs first; the contract phase only after the
    application steps are done."""

    name: PhaseName
    up: list[Step]
    down: list[Step]


class DraftRequest(BaseModel):
    """An intent and its options, as `dbsage migrate draft INTENT …` or the agent's tool gives them."""

    intent: str
    table: str
    columns: list[str] = Field(default_factory=list)
    type: str | None = None
    default: str | None = None
    not_null: bool = False
    unique: bool = False
    references: str | None = Field(default=None, description="table(column) a foreign key points at")
    check: str | None = Field(default=None, description="the CHECK constraint's boolean expression")
    new_name: str | None = Field(default=None, description="rename-column / rename-table: the new name")
    name: str | None = Field(default=None, description="index or constraint name; the migration's name otherwise")
    set_expr: str | None = Field(default=None, description="backfill: the value each row gets")
    where: str | None = Field(default=None, description="add-index: partial index predicate; backfill: which rows")
    key: str | None = Field(default=None, description="backfill: the key column batches walk (default: the PK)")
    batch_size: int = Field(default=1000, ge=1, le=1_000_000)
    lock_timeout: str = "3s"


class MigrationDraft(BaseModel):
    """The drafted migration. `up` runs top to bottom; `down` too (contract's undo first, then expand's)."""

    intent: str
    engine: DraftEngine
    server: ServerVersion
    name: str = Field(description="slug for file names, e.g. add_index_orders_customer_id")
    title: str
    table: str
    up: list[Step]
    down: list[Step]
    app_steps: list[str] = Field(default_factory=list,
                                 description="what the application must do after expand and before contract")
    notes: list[str] = Field(default_factory=list, description="what the draft cannot do for you, and why")
    checked_live: bool = Field(default=False, description="the table and columns were checked on a live database")
    live_columns: dict[str, str] = Field(default_factory=dict, description="the table's columns (lower-case name → "
                                         "type) as the live database had them, for the draft's own lint verdict")

    @property
    def two_phase(self) -> bool:
        return any(step.phase == "contract" for step in [*self.up, *self.down])

    def phases(self) -> list[Phase]:
        """Expand then contract; a phase with no up step is left out (drop-column has nothing to expand when the
        column is already nullable)."""
        found = []
        for name in ("expand", "contract"):
            up = [s for s in self.up if s.phase == name]
            down = [s for s in self.down if s.phase == name]
            if up or down:
                found.append(Phase(name=name, up=up, down=down))
        return found

    def up_sql(self) -> str:
        return sql_script(self.up, self.engine)

    def down_sql(self) -> str:
        return sql_script(self.down, self.engine)


def transaction_groups(steps: list[Step]) -> list[list[Step]]:
    """Consecutive transactional steps form one group (one transaction) until a step asks for a new one; each
    non-transactional step stands alone."""
    groups: list[list[Step]] = []
    for step in steps:
        if step.transactional and not step.new_transaction and groups and groups[-1][0].transactional:
            groups[-1].append(step)
        else:
            groups.append([step])
    return groups


def sql_script(steps: list[Step], engine: DraftEngine = "postgres", transactions: bool = True) -> str:
    """The steps as one SQL script for psql / mysql, each preceded by its comment. On PostgreSQL each group of
    transactional steps runs inside BEGIN … COMMIT (unless `transactions` is off: the tool opens them); MySQL
    commits every DDL statement on its own, so no wrapping."""
    parts: list[str] = []
    for group in transaction_groups(steps):
        wrap = transactions and engine == "postgres" and group[0].transactional
        body = "\n".join(f"{step_comment(step)}\n{statement_text(step, engine)}" for step in group)
        parts.append(f"BEGIN;\n{body}\nCOMMIT;" if wrap else body)
    return "\n\n".join(parts) + ("\n" if parts else "")


def statement_text(step: Step, engine: DraftEngine) -> str:
    """The step as a script statement. The mysql client splits at `;`, so a procedure body (which holds some) goes
    between DELIMITER lines."""
    if engine == "mysql" and step.sql.lstrip().upper().startswith("CREATE PROCEDURE"):
        return f"DELIMITER //\n{step.sql} //\nDELIMITER ;"
    return f"{step.sql};"


def step_comment(step: Step) -> str:
    """The step's comment lines, ending with the inline `dbsage:ignore` for the rules it knowingly trips."""
    ignore = f"\n-- dbsage:ignore {','.join(step.lint_ignore)}" if step.lint_ignore else ""
    return comment_lines(step.comment) + ignore


def comment_lines(text: str, prefix: str = "-- ") -> str:
    return "\n".join(f"{prefix}{line}".rstrip() for line in text.strip().splitlines() if line.strip())


def split_script(script: str, engine: DraftEngine) -> list[str]:
    """A plain SQL script's statements (comments and BEGIN/COMMIT dropped): pglast's splitter for PostgreSQL,
    sqlglot's tokens for MySQL — never a split on every ';', which would cut a DO block or a string."""
    if engine == "postgres":
        from pglast import split

        parts = [part.strip() for part in split(script, with_parser=False)]
    else:
        import sqlglot

        parts = [expression.sql(dialect="mysql") for expression in sqlglot.parse(script, read="mysql") if expression]
    return [p for p in parts if p and p.rstrip(";").strip().upper() not in ("BEGIN", "COMMIT")]


def draft_from_scripts(engine: str, name: str, title: str, up: str, down: str, note: str = "") -> MigrationDraft:
    """A draft rebuilt from plain up/down scripts (a proposal filed before drafts were stored): each statement one
    step, CONCURRENTLY ones outside a transaction, the server version assumed."""
    kind: DraftEngine = "mysql" if engine == "mysql" else "postgres"
    flavor: Flavor = "mysql" if kind == "mysql" else "postgresql"

    def steps(script: str) -> list[Step]:
        return [Step(sql=sql, transactional="CONCURRENTLY" not in sql.upper(), comment="from the approved proposal")
                for sql in split_script(script, kind)]

    return MigrationDraft(intent="proposal", engine=kind, server=ServerVersion.parse(flavor, None), name=name,
                          title=title, table="", up=steps(up), down=steps(down), notes=[note] if note else [])
