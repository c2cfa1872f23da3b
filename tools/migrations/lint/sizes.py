"""How big is big: thresholds that turn a size-sensitive finding into info (tiny table) or an error (huge one)."""

from __future__ import annotations

from dataclasses import dataclass

from dbsage.tools.migrations.model import Severity, TableFacts


@dataclass(frozen=True)
class Thresholds:
    """A table under both `small_*` is done in moments; one over either `huge_*` takes minutes or more."""

    small_rows: int = 10_000
    small_bytes: int = 16 * 1024 * 1024
    huge_rows: int = 10_000_000
    huge_bytes: int = 10 * 1024 ** 3


def human_bytes(value: int) -> str:
    size = float(value)
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{value} bytes"


def human_rows(rows: int) -> str:
    if rows >= 1_000_000:
        return f"{rows / 1_000_000:.1f}M rows"
    if rows >= 10_000:
        return f"{rows / 1000:.0f}k rows"
    return f"{rows} rows"


def describe(table: str, facts: TableFacts) -> str:
    parts = []
    if facts.rows is not None:
        parts.append(f"~{human_rows(facts.rows)}")
    if facts.bytes is not None:
        parts.append(human_bytes(facts.bytes))
    text = f"{table} has {', '.join(parts) or 'unknown size'}"
    busy = f" and is busy ({facts.writes:,} writes since statistics reset)" if facts.hot and facts.writes else ""
    return text + busy


def weigh(severity: Severity, facts: TableFacts, limits: Thresholds = Thresholds()) -> Severity:
    """The severity of a size-sensitive finding on a table of this size."""
    rows, size = facts.rows or 0, facts.bytes or 0
    if rows < limits.small_rows and size < limits.small_bytes and not facts.hot:
        return "info"
    if rows >= limits.huge_rows or size >= limits.huge_bytes:
        return "error"
    return severity
