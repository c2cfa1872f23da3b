"""The demo app's queries (workload.sql), by name, with the planted problem each one demonstrates."""

from __future__ import annotations

import re
from functools import cache

from pydantic import BaseModel

from dbsage.tools.demo.script import demo_sql, marked_blocks

_BLOCK = re.compile(r"^-- name: (?P<name>\S+)\s*$", re.M)
_PLANTED = re.compile(r"^-- planted: (?P<problem>\S+)\s*$", re.M)


class WorkloadQuery(BaseModel):
    name: str
    sql: str  # one statement, without the trailing semicolon
    planted: str | None = None  # id of the planted problem (tools/demo/problems.py) it shows


@cache
def workload() -> tuple[WorkloadQuery, ...]:
    """Every query of workload.sql, in file order."""
    queries = []
    for mark, block in marked_blocks(demo_sql("workload.sql"), _BLOCK):
        planted = _PLANTED.search(block)
        lines = [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("--")]
        sql = "\n".join(lines).strip().rstrip(";").strip()
        queries.append(WorkloadQuery(name=mark["name"], sql=sql, planted=planted["problem"] if planted else None))
    return tuple(queries)


def query(name: str) -> WorkloadQuery:
    """The workload query called `name` (KeyError when there is none)."""
    for item in workload():
        if item.name == name:
            return item
    raise KeyError(name)
