"""The workload: statements with weights, from the statistics view or from .sql files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from dbsage.tools.errors import UsageError
from dbsage.tools.query_result import mask_secrets

WeightBy = Literal["calls", "time"]
_PARAM = re.compile(r"\$(\d+)")


class WorkloadStatement(BaseModel):
    """One statement of the workload. `weight` multiplies its planner cost in the workload's total."""

    id: str = Field(description="stable label: file name and position, or pg_stat_statements queryid")
    sql: str
    weight: float = 1.0
    calls: int | None = None
    total_ms: float | None = None
    source: str = "file"

    @property
    def parameter_count(self) -> int:
        """Highest $n placeholder (pg_stat_statements normalises constants into $1, $2, …)."""
        return max((int(n) for n in _PARAM.findall(_strip_literals(self.sql))), default=0)

    def preview(self, width: int = 80) -> str:
        flat = " ".join(mask_secrets(self.sql).split())  # masked before the cut, which could split a literal
        return flat if len(flat) <= width else flat[: width - 1] + "…"


def _strip_literals(sql: str) -> str:
    """Drop quoted strings and comments so `$1` inside a literal is not taken for a parameter."""
    sql = re.sub(r"'(?:[^']|'')*'", "''", sql)
    sql = re.sub(r"--[^\n]*", "", sql)
    return re.sub(r"/\*.*?\*/", "", sql, flags=re.S)


def split_statements(text: str) -> list[str]:
    """Split a `;`-separated script into statements with PostgreSQL's own lexer (strings, comments, $$ quotes)."""
    from pglast.parser import split

    try:
        parts: list[str] = list(split(text, with_parser=False))
    except Exception:  # the scanner failed (unterminated quote): let the guard report the statement as written
        parts = [text]
    return [p.strip() for p in parts if p.strip() and not _is_only_comments(p)]


def _is_only_comments(text: str) -> bool:
    return not _strip_literals(text).strip()


WORKLOAD_SUFFIXES = (".sql", ".json", ".js")  # SQL statements; MongoDB command documents; mongosh queries


def load_files(path: Path) -> list[WorkloadStatement]:
    """Statements from a file or every workload file in a folder: `.sql` (one statement per file or `;`-separated),
    `.json` (a MongoDB command document, or a list of them), `.js` (mongosh queries, one per line or `;`)."""
    if not path.exists():
        raise UsageError(f"workload {path} does not exist", "pass a .sql/.json/.js file or a folder of them")
    files = sorted(p for p in path.iterdir() if p.suffix in WORKLOAD_SUFFIXES) if path.is_dir() else [path]
    if not files:
        raise UsageError(f"no .sql, .json or .js files in {path}",
                         "put one statement per file, or several separated by ';'")
    statements: list[WorkloadStatement] = []
    for file in files:
        parts = _file_statements(file)
        for number, sql in enumerate(parts, start=1):
            label = file.name if len(parts) == 1 else f"{file.name}#{number}"
            statements.append(WorkloadStatement(id=label, sql=sql, source=str(file)))
    if not statements:
        raise UsageError(f"the workload in {path} holds no statement", "add read queries to the files")
    return statements


def _file_statements(file: Path) -> list[str]:
    text = file.read_text(encoding="utf-8")
    if file.suffix == ".js":
        from dbsage.tools.guard.mongo_shell import split_shell

        return split_shell(text)
    if file.suffix == ".json":
        import json

        try:
            loaded = json.loads(text)
        except json.JSONDecodeError:
            return [text.strip()] if text.strip() else []  # relaxed syntax: the MongoDB reader says what is wrong
        documents = loaded if isinstance(loaded, list) else [loaded]
        return [json.dumps(d) for d in documents]
    return split_statements(text)
