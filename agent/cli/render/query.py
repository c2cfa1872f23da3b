"""A query's rows (QueryResult) for people: a table (a plan as plain lines), then the row count and timing."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from rich.table import Table as RichTable
from rich.text import Text

from dbsage.agent.cli.output import stdout

if TYPE_CHECKING:
    from dbsage.tools.query_result import QueryResult


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def print_rows(result: QueryResult) -> None:
    if result.kind in ("explain", "analyze") and len(result.columns) == 1:
        for row in result.rows:  # a plan reads best as plain, unwrapped lines
            sys.stdout.write(_cell(row[0]) + "\n")
    else:
        grid = RichTable()
        for column in result.columns:  # fold, never '…': a value cut short in a narrow terminal reads as the value
            grid.add_column(Text(column), overflow="fold")
        for row in result.rows:  # Text, not markup: data from the database is printed as data
            grid.add_row(*(Text(_cell(v)) for v in row))
        stdout.print(grid)
    summary = f"{result.row_count} row{'s' if result.row_count != 1 else ''} · {result.elapsed_ms:g} ms"
    if result.truncated:
        summary += f" · truncated: {result.truncated_reason}"
    stdout.print(f"[dim]{summary}[/dim]")
