"""A lint report (LintReport) for people: one block per finding — where, what lock, why, and the safe rewrite."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from dbsage.tools.migrations.model import LintReport

_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}


def print_lint(report: LintReport, out: Console) -> None:
    for f in report.findings:
        # Text, not markup: statements and reasons carry SQL with brackets
        out.print(Text.assemble((f"{f.file}:{f.line}", "bold"), "  ", (f.severity, _STYLE[f.severity]), "  ",
                                (f.rule, "cyan"), f"  [{f.family}]"), highlight=False)
        if f.lock and f.lock != "NONE":
            out.print(f"    lock: {f.lock}" + (f" — {f.blocks}" if f.blocks else ""), markup=False, style="dim")
        out.print(f"    {f.reason}", markup=False)
        if f.safe_rewrite:  # never wrapped: SQL people copy
            out.print("    safe: " + f.safe_rewrite.replace("\n", "\n          "), markup=False, style="green",
                      overflow="ignore", crop=False)
        out.print()
    counts = {s: sum(f.severity == s for f in report.findings) for s in ("error", "warning", "info")}
    live = " · sizes from the live database" if report.live else ""
    out.print(f"{len(report.files)} file(s), {report.statements} statement(s): {counts['error']} error(s), "
              f"{counts['warning']} warning(s), {counts['info']} info{live}", markup=False)
