"""What the linter knows part-way through a migration: the sequence across statements.

Rules read it (is a transaction open? was lock_timeout set? was this table created earlier in the file?); the
dialect's `advance` (postgres_parse / mysql_parse) updates it after each statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dbsage.tools.migrations.model import LiveContext, TableFacts

Version = tuple[int, int, int]


def parse_version(value: str | int | None, dialect: str) -> Version | None:
    """'15', '15.4', 150004 (server_version_num), '8.0.36', 80036, '10.11', 101106 → (major, minor, patch)."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if text.isdigit() and int(text) >= 1000:
        num = int(text)
        if dialect == "postgres":  # 150004 → 15.4 (server_version_num); 90624 → 9.6.24
            return (num // 10000, num % 10000, 0) if num >= 100000 else (num // 10000, num // 100 % 100, num % 100)
        return num // 10000, num // 100 % 100, num % 100  # MySQL/MariaDB: 80036 → 8.0.36, 101106 → 10.11.6
    pieces = text.split("-")[0].split(".")
    if not all(p.isdigit() for p in pieces) or len(pieces) > 3:
        raise ValueError(f"{value!r} is not a server version")
    numbers = [int(p) for p in pieces] + [0, 0]
    return numbers[0], numbers[1], numbers[2]


@dataclass
class MigrationState:
    dialect: str
    version: Version | None = None
    context: LiveContext | None = None
    assume_in_transaction: bool = False
    in_transaction: bool = False
    explicit_transaction: bool = False
    transaction_id: int = 0
    transaction_line: int = 0
    lock_timeout: bool = False
    lock_timeout_local: bool = False
    statement_timeout: bool = False
    created: set[str] = field(default_factory=set)
    # constraint name → (table, transaction id) for ADD CONSTRAINT … NOT VALID
    not_valid: dict[str, tuple[str, int]] = field(default_factory=dict)
    # constraint name → (table, column) for CHECK (column IS NOT NULL); moved to proven_not_null when validated
    not_null_checks: dict[str, tuple[str, str]] = field(default_factory=dict)
    proven_not_null: set[tuple[str, str]] = field(default_factory=set)
    foreign_key_checks: bool = True
    # (bare table, column) → type, for columns ADDed earlier in this migration (a later MODIFY keeps or changes it)
    added_columns: dict[tuple[str, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.in_transaction = self.assume_in_transaction

    # -- versions: an unknown version is taken as a current one (the rule says which version it assumed) --------

    def at_least(self, major: int, minor: int = 0, patch: int = 0) -> bool:
        return self.version is None or self.version >= (major, minor, patch)

    @property
    def mariadb(self) -> bool:
        if self.context is not None and self.context.mariadb:
            return True
        return self.version is not None and self.version[0] >= 10

    # -- tables ----------------------------------------------------------------------------------------------------

    def is_new(self, table: str | None) -> bool:
        """Created earlier in this migration (so empty, and unknown to running code)."""
        return table is not None and bare(table) in self.created

    def facts(self, table: str | None) -> TableFacts | None:
        if table is None or self.context is None or self.is_new(table):
            return None
        return self.context.facts(table)

    def lock_timeout_active(self) -> bool:
        return self.lock_timeout or self.lock_timeout_local

    # -- transactions ----------------------------------------------------------------------------------------------

    def begin(self, line: int) -> None:
        self.transaction_id += 1
        self.in_transaction = self.explicit_transaction = True
        self.transaction_line = line

    def end(self) -> None:
        self.in_transaction = self.explicit_transaction = False
        self.lock_timeout_local = False


def bare(table: str) -> str:
    """Lower-case name without schema, quotes removed: how tables are compared within one migration."""
    return table.rpartition(".")[2].strip('"`').lower()
