"""What candidate generation may know about a table beyond its schema: planner statistics and the visibility map.

Pure data, filled by the engine's what-if backend (PostgreSQL: pg_class, pg_stats). Without it, candidates are
generated as before (no partial index on a rare value, INCLUDE variants everywhere).
"""

from __future__ import annotations

from dataclasses import dataclass, field

SMALL_FRACTION = 0.1  # a constant that selects at most this share of the rows is worth a partial index
FEW_DISTINCT = 50  # a column with at most this many distinct values holds states or kinds, not identifiers
SETTLED_SHARE = 0.5  # below this share of all-visible pages, an index-only scan still visits the heap


@dataclass
class ColumnStats:
    """One column's pg_stats: the share of NULLs, distinct values (negative: a share of the rows), common values."""

    null_frac: float = 0.0
    n_distinct: float = 0.0
    common: dict[str, float] = field(default_factory=dict)

    def fraction(self, value: str, rows: float) -> float | None:
        """The planner's estimate of the share of rows equal to `value` (text as pg_stats spells it)."""
        if value in self.common:
            return self.common[value]
        distinct = self.n_distinct if self.n_distinct > 0 else -self.n_distinct * max(rows, 1.0)
        others = distinct - len(self.common)
        if others <= 0:
            return 0.0 if self.common else None  # every value is a common one: `value` is not in the table
        return max(0.0, 1.0 - sum(self.common.values()) - self.null_frac) / others


@dataclass
class TableFacts:
    rows: float = 0.0
    pages: int = 0
    all_visible: int = 0
    columns: dict[str, ColumnStats] = field(default_factory=dict)
    c_collated: set[str] = field(default_factory=set)  # text columns whose collation is C or POSIX
    collations_known: bool = False

    def rare_value_fraction(self, column: str, literal_sql: str) -> float | None:
        """The share of rows `column = literal` selects, when the column has few distinct values (a status, a type:
        there a constant is part of the application's logic, like `status = 'failed'`); None otherwise. On a column
        of many values (an id), a constant in one statement is a parameter's value: a partial index on it would
        serve that one value only."""
        stats = self.columns.get(column)
        if stats is None:
            return None
        distinct = stats.n_distinct if stats.n_distinct > 0 else -stats.n_distinct * self.rows
        if not 1 <= distinct <= FEW_DISTINCT:
            return None
        return stats.fraction(literal_text(literal_sql), self.rows)

    @property
    def index_only_scans_real(self) -> bool:
        """True when most pages are all-visible (or the table is empty / its size unknown)."""
        return self.pages <= 0 or self.all_visible >= SETTLED_SHARE * self.pages


@dataclass
class CandidateContext:
    """Facts per table ("schema.table"), column types, whether hash indexes are worth trying, and notes to report."""

    facts: dict[str, TableFacts] = field(default_factory=dict)
    types: dict[str, dict[str, str]] = field(default_factory=dict)
    hash_indexes: bool = False
    notes: list[str] = field(default_factory=list)
    pure_equality: set[tuple[str, str]] = field(default_factory=set)  # (table, column) only ever compared with =


def literal_text(literal_sql: str) -> str:
    """`'O''Brien'` → `O'Brien`; numbers as written."""
    if len(literal_sql) >= 2 and literal_sql[0] == literal_sql[-1] == "'":
        return literal_sql[1:-1].replace("''", "'")
    return literal_sql


def pattern_opclass(column_type: str | None) -> str | None:
    """The operator class a B-tree needs for `LIKE 'abc%'` on a column of a non-C collation."""
    if not column_type:
        return None
    kind = column_type.lower()
    if kind == "text":
        return "text_pattern_ops"
    if kind.startswith("character varying") or kind.startswith("varchar"):
        return "varchar_pattern_ops"
    if kind.startswith("character") or kind.startswith("bpchar"):
        return "bpchar_pattern_ops"
    return None
