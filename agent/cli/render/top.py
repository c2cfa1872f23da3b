"""The heaviest statements (TopReport) for people: one row of numbers per statement, then each statement's text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from dbsage.agent.cli.output import stdout
from dbsage.tools.units import human_count

if TYPE_CHECKING:
    from dbsage.tools.top import TopReport


_MIN_STATEMENT_WIDTH = 16


def print_top(report: TopReport, console: Console = stdout) -> None:
    since = f" · since {report.stats_since:%Y-%m-%d %H:%M}" if report.stats_since else ""
    grid = RichTable(title=f"top {len(report.statements)} statements by {report.sort}{since}", title_justify="left",
                     caption="sd = standard deviation · hit = shared-buffer cache hits · read/temp = blocks",
                     caption_justify="left")
    headers = ("#", "total ms", "%", "calls", "mean ms", "sd ms", "rows", "hit", "read", "temp")
    rows = []
    for n, s in enumerate(report.statements, 1):
        hit = "—" if s.cache_hit_ratio is None else f"{s.cache_hit_ratio:.1%}".replace(".0%", "%")
        rows.append((str(n), f"{s.total_ms:,.1f}", f"{s.share_of_total:.0%}", human_count(s.calls),
                     f"{s.mean_ms:,.2f}", f"{s.stddev_ms:,.2f}", human_count(s.rows), hit,
                     human_count(s.shared_blks_read + s.local_blks_read),
                     human_count(s.temp_blks_read + s.temp_blks_written)))
    for header in headers:
        grid.add_column(header, justify="right", no_wrap=True)
    # The statement's start beside its numbers, in the width the numbers leave (cut with an ellipsis, never
    # squeezing a number); the whole text follows below the table.
    numbers = sum(max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers))
    room = console.width - numbers - 3 * (len(headers) + 1) - 1
    beside = room >= _MIN_STATEMENT_WIDTH
    if beside:
        grid.add_column("statement", justify="left", no_wrap=True, overflow="ellipsis", max_width=room)
    for row, s in zip(rows, report.statements, strict=True):
        grid.add_row(*row, *([Text(" ".join(s.query.split())[:room])] if beside else []))
    console.print(grid)
    for n, s in enumerate(report.statements, 1):
        # Text, not markup: statement text (`tags[1]`) is data
        console.print(Text.assemble((f"#{n}", "bold"), " " + " ".join(s.query.split())[:300]), highlight=False)
    for note in report.notes:
        console.print(Text.assemble(("note:", "yellow"), f" {note}"))
