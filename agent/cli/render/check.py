"""The health checkup (CheckReport) for people: findings by family with evidence and fix, then the scorecard."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from dbsage.agent.cli.output import data_table

if TYPE_CHECKING:
    from dbsage.tools.checks import CheckReport

_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}
_STATUS = {"pass": "green", "fail": "red", "unknown": "dim"}


def _evidence(evidence: dict[str, Any]) -> str:
    parts = []
    for key, value in evidence.items():
        text = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
        parts.append(f"{key}={text[:120]}")
    return ", ".join(parts)


def print_report(report: CheckReport, out: Console) -> None:
    out.print(Text.assemble((f"checkup of {report.database}", "bold"), f" at {report.target} · "
                            f"{len(report.findings)} findings · {report.elapsed_ms or 0:,.0f} ms"))
    current = None
    for f in report.findings:
        if f.family != current:
            current = f.family
            out.print(f"\n[bold underline]{current.upper()}[/bold underline]")
        # Text, not markup: titles carry object names, which may hold brackets
        out.print(Text.assemble((f"{f.severity.upper():>8}", _STYLE[f.severity]), "  ", (f.title, "bold"), "  ",
                                (f.id, "dim")), highlight=False)
        out.print(f"          evidence: {_evidence(f.evidence)}", markup=False, style="dim")
        if f.fix:  # never wrapped: a fix is SQL people copy, and a wrapped `-- comment` would become code
            out.print("          fix: " + f.fix.replace("\n", "\n               "), markup=False, style="green",
                      soft_wrap=True)
    grid = data_table("checklist", "status", "why", title="\nscorecard", title_justify="left")
    for item in report.scorecard:
        grid.add_row(Text(item.label), Text(item.status, _STATUS[item.status]), Text(item.why))
    out.print(grid)
    for rule, count in report.omitted.items():
        out.print(f"[yellow]not listed:[/yellow] {count:,} more {rule} findings")
    for note in report.skipped:
        out.print(Text.assemble(("skipped:", "yellow"), f" {note}"))  # may quote the server's own error text
    out.print("[dim]fixes are drafts for a person to review; dbsage never runs them[/dim]")
