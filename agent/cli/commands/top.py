"""`dbsage top`: the heaviest statements (PostgreSQL: pg_stat_statements), sortable."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table as RichTable
from rich.text import Text

from dbsage.agent.commands.options import DbOption, FormatOption
from dbsage.agent.output import Format, emit_json, human_count, reporting, stdout

if TYPE_CHECKING:
    from dbsage.tools.engines.postgres_stats import TopReport


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
    from dbsage.tools.engines import connect_postgres
    from dbsage.tools.targets import resolve

    with reporting(fmt.value):
        engine = connect_postgres(resolve(db), "top")
        try:
            report = engine.top_statements(sort=sort.value, limit=limit)
        finally:
            engine.close()
        if fmt is Format.json:
            emit_json("top", report=report)
            return
        _print(report)
        for note in report.notes:
            stdout.print(Text.assemble(("note:", "yellow"), f" {note}"))


def _print(report: TopReport) -> None:
    since = f" · since {report.stats_since:%Y-%m-%d %H:%M}" if report.stats_since else ""
    grid = RichTable(title=f"top {len(report.statements)} statements by {report.sort}{since}", title_justify="left",
                     caption="sd = standard deviation · hit = shared-buffer cache hits · read/temp = blocks",
                     caption_justify="left")
    for header in ("#", "total ms", "%", "calls", "mean ms", "sd ms", "rows", "hit", "read", "temp"):
        grid.add_column(header, justify="right", no_wrap=True)
    for n, s in enumerate(report.statements, 1):
        hit = "—" if s.cache_hit_ratio is None else f"{s.cache_hit_ratio:.1%}".replace(".0%", "%")
        grid.add_row(str(n), f"{s.total_ms:,.1f}", f"{s.share_of_total:.0%}", human_count(s.calls),
                     f"{s.mean_ms:,.2f}", f"{s.stddev_ms:,.2f}", human_count(s.rows), hit,
                     human_count(s.shared_blks_read + s.local_blks_read),
                     human_count(s.temp_blks_read + s.temp_blks_written))
    stdout.print(grid)
    for n, s in enumerate(report.statements, 1):
        # Text, not markup: statement text (`tags[1]`) is data
        stdout.print(Text.assemble((f"#{n}", "bold"), " " + " ".join(s.query.split())[:300]), highlight=False)
