"""The down for the steps of an apply that ran, when it stopped part-way. When every step ran it is the proposal's
own down; for a part, each step that ran is undone by its plain inverse when it is one of the common forms (an
index, a column, a constraint, a table, NOT NULL), newest first; other steps are named for a person to undo."""

from __future__ import annotations

import re

_IDENT = r'(?:"[^"]+"|[\w$]+)'
_QUALIFIED = rf"{_IDENT}(?:\.{_IDENT})?"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>{_IDENT})"
                rf"\s+ON\s+(?:ONLY\s+)?(?P<table>{_QUALIFIED})", re.I),
     "DROP INDEX CONCURRENTLY IF EXISTS {schema}{name}"),
    (re.compile(rf"^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<table>{_QUALIFIED})\s+ADD\s+(?:COLUMN\s+)?"
                rf"(?:IF\s+NOT\s+EXISTS\s+)?(?!CONSTRAINT\b)(?P<name>{_IDENT})\s", re.I),
     "ALTER TABLE {table} DROP COLUMN IF EXISTS {name}"),
    (re.compile(rf"^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<table>{_QUALIFIED})\s+ADD\s+CONSTRAINT\s+"
                rf"(?P<name>{_IDENT})", re.I),
     "ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}"),
    (re.compile(rf"^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<table>{_QUALIFIED})\s+ALTER\s+(?:COLUMN\s+)?"
                rf"(?P<name>{_IDENT})\s+SET\s+NOT\s+NULL\s*$", re.I),
     "ALTER TABLE {table} ALTER COLUMN {name} DROP NOT NULL"),
    (re.compile(rf"^CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<table>{_QUALIFIED})", re.I),
     "DROP TABLE IF EXISTS {table}"),
]
_NOTHING_TO_UNDO = re.compile(r"^(SET|RESET|SELECT|ANALYZE|VACUUM|ALTER\s+TABLE\s+\S+\s+VALIDATE\s+CONSTRAINT)\b",
                              re.I)


def inverse(sql: str) -> str | None:
    """The statement that undoes `sql`, "" when there is nothing to undo, None when dbsage cannot tell."""
    text = " ".join(line for line in sql.splitlines() if not line.lstrip().startswith("--")).strip()
    if _NOTHING_TO_UNDO.match(text):
        return ""
    for pattern, template in _PATTERNS:
        match = pattern.match(text)
        if match:
            table = match.groupdict().get("table") or ""
            schema = table.rsplit(".", 1)[0] + "." if "." in table else ""
            return template.format(table=table, name=match["name"], schema=schema)
    return None


def down_for(ran: list[str], every_step_ran: bool, proposal_down: list[str]) -> list[str]:
    if every_step_ran:
        return proposal_down
    statements = []
    for sql in reversed(ran):
        undo = inverse(sql)
        if undo is None:
            statements.append(f"-- no automatic inverse for: {' '.join(sql.split())[:200]} (see the proposal's down)")
        elif undo:
            statements.append(undo)
    return statements
