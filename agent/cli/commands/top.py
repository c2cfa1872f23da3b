"""`dbsage top`: the heaviest statements (PostgreSQL: pg_stat_statements), sortable; `--now`: activity at this
moment (busy sessions, lock waits and who blocks whom, idle in transaction)."""

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
    utility: Annotated[bool, typer.Option("--utility", help="list utility statements too (COPY, VACUUM, ANALYZE, "
                                          "CREATE INDEX, SET …); by default only queries and data changes")] = False,
    now: Annotated[bool, typer.Option("--now", help="activity now instead: busy sessions, lock waits (who blocks "
                                      "whom), idle in transaction")] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """The heaviest statements: time, calls, rows, blocks and cache hit ratio (--now: what runs at this moment)."""
    from dbsage.agent.cli.render.top import print_top
    from dbsage.tools.engines.registry import open_engine
    from dbsage.tools.targets import resolve

    if now:
        _activity_now(db, limit, fmt)
        return
    with reporting(fmt.value):
        engine = open_engine(resolve(db), needs={"top_statements"}, command="top")
        try:
            report = engine.top_statements(sort=sort.value, limit=limit, include_utility=utility)
        finally:
            engine.close()
        if fmt is Format.json:
            emit_json("top", report=report)
            return
        print_top(report)


def _activity_now(db: str | None, limit: int, fmt: Format) -> None:
    from dbsage.agent.cli.render.activity import print_activity
    from dbsage.tools.engines.registry import open_engine
    from dbsage.tools.targets import resolve

    with reporting(fmt.value):
        engine = open_engine(resolve(db), needs={"activity"}, command="top --now")
        try:
            report = engine.activity(limit=limit)
        finally:
            engine.close()
        if fmt is Format.json:
            emit_json("top --now", report=report)
            return
        print_activity(report)
