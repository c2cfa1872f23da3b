"""`dbsage top`: the heaviest statements (PostgreSQL: pg_stat_statements), sortable."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from dbsage.agent.cli.options import DbOption, FormatOption
from dbsage.agent.cli.output import Format, emit_json, reporting


class TopSort(StrEnum):
    total = "total"
    mean = "mean"
    calls = "calls"
    io = "io"


def top_command(
    db: DbOption = None,
    sort: Annotated[TopSort, typer.Option("--sort", help="total time, mean time, calls, or blocks read/written")]
    = TopSort.total,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=500, help="how many statements")] = 20,
    fmt: FormatOption = Format.table,
) -> None:
    """The heaviest statements: time, calls, rows, blocks and cache hit ratio."""
    from dbsage.agent.cli.render.top import print_top
    from dbsage.tools.engines.registry import open_engine
    from dbsage.tools.targets import resolve

    with reporting(fmt.value):
        engine = open_engine(resolve(db), needs={"top_statements"}, command="top")
        try:
            report = engine.top_statements(sort=sort.value, limit=limit)
        finally:
            engine.close()
        if fmt is Format.json:
            emit_json("top", report=report)
            return
        print_top(report)
