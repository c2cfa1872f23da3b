"""Which SQL dialect a statement is written in, when it is clearly not the target's: a PostgreSQL statement sent to
MySQL (or the reverse) gets an error that names the foreign construct and what to write instead, rather than the
server's bare "syntax error near …". Only unmistakable markers count; anything else is left to the server.
"""

from __future__ import annotations

import re

_STRINGS = re.compile(r"'(?:[^'\\]|\\.|'')*'")
POSTGRES_ONLY = (
    (re.compile(r"\w\s*::\s*[a-z_]", re.I), "the :: cast", "CAST(expr AS type)"),
    (re.compile(r"\bDISTINCT\s+ON\s*\(", re.I), "DISTINCT ON", "a window function (ROW_NUMBER() OVER …) or GROUP BY"),
    (re.compile(r"\bILIKE\b", re.I), "ILIKE", "LIKE (case-insensitive under a _ci collation)"),
    (re.compile(r"\$\d+\b"), "$n parameters", "literal values (or ? placeholders in the application)"),
    (re.compile(r"\bRETURNING\b", re.I), "RETURNING", "a separate SELECT"),
    (re.compile(r"\bgenerate_series\s*\(", re.I), "generate_series()", "a recursive CTE or a numbers table"),
)
MYSQL_ONLY = (
    (re.compile(r"`"), "backtick-quoted identifiers", 'double quotes ("name") or no quotes'),
    (re.compile(r"\bLIMIT\s+\d+\s*,\s*\d+", re.I), "LIMIT offset, count", "LIMIT count OFFSET offset"),
    (re.compile(r"\bLOCK\s+IN\s+SHARE\s+MODE\b", re.I), "LOCK IN SHARE MODE", "FOR SHARE"),
    (re.compile(r"\bSTRAIGHT_JOIN\b|\b(?:USE|FORCE|IGNORE)\s+INDEX\b", re.I), "MySQL optimizer hints",
     "no hint (PostgreSQL has none built in)"),
    (re.compile(r"\bSQL_CALC_FOUND_ROWS\b|\bSQL_NO_CACHE\b", re.I), "a MySQL SELECT modifier", "nothing: drop it"),
)


def foreign_construct(sql: str, target: str) -> tuple[str, str] | None:
    """(construct, what to write instead) when `sql` uses syntax of the other SQL engine than `target`
    ("postgres" or "mysql"); None when nothing unmistakable is found. String literals are ignored."""
    text = _STRINGS.sub("''", sql)
    for pattern, name, instead in POSTGRES_ONLY if target == "mysql" else MYSQL_ONLY:
        if pattern.search(text):
            return name, instead
    return None


def where(sql: str, index: int | None) -> str:
    """` at line L, column C:` and the line with a caret under the position (0-based character `index`), for a
    syntax error's message; empty when the position is unknown."""
    if index is None or not 0 <= index <= len(sql):
        return ""
    line_no = sql.count("\n", 0, index) + 1
    start = sql.rfind("\n", 0, index) + 1
    end = sql.find("\n", index)
    line = sql[start:end if end >= 0 else len(sql)]
    column = index - start
    if len(line) > 100:  # a long line: show the stretch around the position
        cut = max(0, column - 50)
        line, column = ("…" if cut else "") + line[cut:cut + 100], column - cut + (1 if cut else 0)
    return f" at line {line_no}, column {column + 1}:\n  {line}\n  {' ' * column}^"


def foreign_hint(sql: str, target: str) -> str | None:
    """A sentence for an error's hint, or None."""
    found = foreign_construct(sql, target)
    if found is None:
        return None
    other = "PostgreSQL" if target == "mysql" else "MySQL/MariaDB"
    here = "MySQL/MariaDB" if target == "mysql" else "PostgreSQL"
    return f"this statement uses {other} syntax ({found[0]}) but the target is {here}: write {found[1]} instead"
