"""An agent's answer (Answer) for people, after its text: the tool calls it made with their evidence, the
proposals it filed, and its notes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from dbsage.agent.cli.output import stdout

if TYPE_CHECKING:
    from dbsage.agent.answer import Answer


def print_evidence(answer: Answer, console: Console = stdout) -> None:
    if answer.tool_calls:
        grid = RichTable("tool", "arguments", "evidence", title="tool calls", title_justify="left")
        for call in answer.tool_calls:
            headline = call.summary.splitlines()[0] if call.summary else ""
            evidence = headline if call.ok else f"{'refused' if call.refused else 'failed'}: {call.error}"
            args = ", ".join(f"{k}={v!r}" for k, v in call.arguments.items())
            grid.add_row(call.tool, Text(args[:80]), Text(evidence[:120]))  # database text is not markup
        console.print(grid)
    for p in answer.proposals:
        console.print(Text.assemble("proposal ", (str(p.id), "bold"), f" ({p.status}): {p.title}"))
    for note in answer.notes:
        if note not in answer.answer:  # the router's answer already ends with its note
            console.print(f"note: {note}", style="dim", markup=False)
