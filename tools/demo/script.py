"""The load script: the demo's SQL files cut into named steps, in the order the loader runs them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files

_STEP = re.compile(r"^-- step: (?P<name>.+)$", re.M)


@dataclass(frozen=True)
class LoadStep:
    """One unit of the load. `counts_rows` steps are a single INSERT whose row count is worth reporting."""

    name: str
    sql: str
    counts_rows: bool = False


def demo_sql(filename: str) -> str:
    return files("dbsage.tools.demo").joinpath(filename).read_text(encoding="utf-8")


def marked_blocks(text: str, mark: re.Pattern[str]) -> list[tuple[re.Match[str], str]]:
    """Each line `mark` matches, with the text after it up to the next such line (the demo's SQL files are cut so)."""
    marks = list(mark.finditer(text))
    return [(found, text[found.end(): following.start() if following else len(text)])
            for found, following in zip(marks, [*marks[1:], None], strict=True)]


def _steps(filename: str, counts_rows: bool) -> list[LoadStep]:
    return [LoadStep(name=mark["name"].strip(), sql=body.strip(), counts_rows=counts_rows)
            for mark, body in marked_blocks(demo_sql(filename), _STEP)]


def load_steps() -> list[LoadStep]:
    """Schema, then one INSERT per table, then foreign keys, indexes and comments."""
    return [
        LoadStep(name="schema", sql=demo_sql("schema.sql")),
        *_steps("data.sql", counts_rows=True),
        *_steps("indexes.sql", counts_rows=False),
    ]
