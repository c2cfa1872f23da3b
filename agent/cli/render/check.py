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
    """Words and numbers, as a DBA would write them: `bytes=8,192, columns=a, b, bloat=yes`, never a Python list or
    dict."""
    return "; ".join(f"{key}={_value(value)[:160]}" for key, value in evidence.items())


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, list | tuple | set):
        return ", ".join(_value(v) for v in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value(v)}" for k, v in value.items()) or "none"
    return "—" if value is None else str(value)


GROUP_AT = 4  # this many findings of one rule and severity are shown as one entry


def _print_group(findings: list[Any], out: Console) -> None:
    first = findings[0]
    out.print(Text.assemble((f"{first.severity.upper():>8}", _STYLE[first.severity]), "  ",
                            (f"{len(findings)} findings of {first.id}", "bold")), highlight=False)
    for f in findings:
        out.print(Text.assemble("          · ", f.title), highlight=False)
    out.print("          evidence: each object's in --format json", style="dim")
    fixes = [f.fix for f in findings if f.fix]
    if fixes:  # one script, in the order listed, never wrapped
        out.print("          fixes:\n               " + "\n               ".join(
            fix.replace("\n", "\n               ") for fix in fixes), markup=False, style="green", soft_wrap=True)


def print_report(report: CheckReport, out: Console) -> None:
    out.print(Text.assemble((f"checkup of {report.database}", "bold"), f" at {report.target} · "
                            f"{len(report.findings)} findings · {report.elapsed_ms or 0:,.0f} ms"))
    current = None
    shown: set[int] = set()
    for n, f in enumerate(report.findings):
        if n in shown:
            continue
        if f.family != current:
            current = f.family
            out.print(f"\n[bold underline]{current.upper()}[/bold underline]")
        # The same finding on many objects (a foreign key declared on each of 13 partitions) is one entry listing
        # them, with their fixes as one script, not 13 screens of the same words.
        same = [i for i, g in enumerate(report.findings) if g.id == f.id and g.severity == f.severity]
        if len(same) >= GROUP_AT:
            shown.update(same)
            _print_group([report.findings[i] for i in same], out)
            continue
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
