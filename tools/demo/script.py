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


def _steps(filename: str, counts_rows: bool) -> list[LoadStep]:
    text = demo_sql(filename)
    marks = list(_STEP.finditer(text))
    steps = []
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        body = text[mark.end(): following.start() if following else len(text)].strip()
        steps.append(LoadStep(name=mark["name"].strip(), sql=body, counts_rows=counts_rows))
    return steps


def load_steps() -> list[LoadStep]:
    """Schema, then one INSERT per table, then foreign keys, indexes and comments."""
    return [
        LoadStep(name="schema", sql=demo_sql("schema.sql")),
        *_steps("data.sql", counts_rows=True),
        *_steps("indexes.sql", counts_rows=False),
    ]
