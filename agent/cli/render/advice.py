"""Index advice (AdviceReport) for people: recommendations with planner cost before → after, drop candidates,
what was skipped and why."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from dbsage.agent.cli.output import stdout
from dbsage.tools.units import human_bytes

if TYPE_CHECKING:
    from dbsage.tools.advisor.report import AdviceReport


def _cost_line(before: float, after: float) -> str:
    change = (1 - after / before) if before else 0.0
    return f"{before:,.1f} → {after:,.1f} ({-change:+.0%})"


def render(report: AdviceReport, console: Console = stdout) -> None:
    if not report.verified:
        first = " ".join(report.notes[:1]).removeprefix("UNVERIFIED: ")
        console.print("[bold yellow]UNVERIFIED[/bold yellow] heuristic advice: " + escape(first))
    console.print(f"[bold]index advice[/bold] · {escape(report.target)} · workload: {escape(report.workload_source)} "
                 f"({len(report.statements)} statements, weighted by {report.weight_by}) · method: {report.method}")
    _recommendations(report, console)
    if report.verified:
        console.print(f"workload cost: [bold]{_cost_line(report.cost_before, report.cost_after)}[/bold]"
                     f"  ·  {report.candidates_considered} candidates, {report.plans_costed} plans costed, "
                     f"{report.elapsed_s:.1f}s")
    _drops(report, console)
    for unusable in report.unusable_candidates:
        console.print(Text(f"not proposed: {unusable.index_sql}: {unusable.reason}", style="dim"))
    for skipped in report.skipped:
        tag = "refused by the guard" if skipped.refused else "skipped"
        # the statement's own text (`tags[i]` would read as italics) is data, never markup
        console.print(Text(f"{tag}: {skipped.statement_id}: {skipped.reason} — {skipped.preview}", style="dim"))
    for note in report.notes[0 if report.verified else 1:]:
        console.print(f"note: {note}", markup=False)


def _recommendations(report: AdviceReport, console: Console) -> None:
    if not report.recommendations:
        console.print("no new index lowers this workload's cost enough to be worth its writes")
        return
    # One block per index: its figures on one line, its SQL whole on the next — never folded into a table cell, so
    # a name or a statement is never broken mid-word at 80 columns or in a pipe.
    console.print(Text("recommended indexes" + ("" if report.verified else " (UNVERIFIED)"), style="bold"))
    for number, rec in enumerate(report.recommendations, start=1):
        helps = ", ".join(f"{s.statement_id} {_cost_line(s.cost_before, s.cost_after)}" if report.verified
                          else s.statement_id for s in rec.helps) or "—"
        adds = f" · adds {-rec.marginal_reduction:+.1%}" if rec.marginal_reduction is not None else ""
        console.print(Text(f"{number:>2}. size {human_bytes(rec.size_bytes)}{adds} · helps {helps}"))
        for line in rec.create_sql.strip().splitlines():
            console.print(Text("    " + line, style="green"), soft_wrap=True)
    if report.verified:
        console.print(f"adds: the workload's cost with the whole set minus without that one index (its marginal "
                      f"gain); the set together: {-report.reduction:+.1%}", markup=False)


def _drops(report: AdviceReport, console: Console) -> None:
    if not report.drop_candidates:
        return
    console.print(Text("drop candidates (review each; dbsage never drops anything)", style="bold"))
    for drop in report.drop_candidates:
        console.print(Text(f" · {drop.schema_name}.{drop.index_name} ({human_bytes(drop.size_bytes)}) — {drop.kind}: "
                           f"{drop.reason}"))
        console.print(Text("    " + drop.drop_sql.strip(), style="yellow"), soft_wrap=True)


def render_sql(report: AdviceReport) -> None:
    """`advise --format sql`: the statements alone, whole and unwrapped, ready to paste or save as a migration;
    everything else as SQL comments. Drops stay commented out: each needs a person's look first."""
    out: list[str] = [f"-- dbsage advise · {report.target} · {report.method}",
                      f"-- workload {report.workload_source}: cost {report.cost_before:,.1f} → "
                      f"{report.cost_after:,.1f} ({-report.reduction:+.1%})"]
    if not report.verified:
        out.append("-- UNVERIFIED: heuristic candidates, not costed by the planner")
    for n, rec in enumerate(report.recommendations, start=1):
        helps = ", ".join(h.statement_id for h in rec.helps) or "—"
        own = f"; alone it adds {rec.marginal_reduction:.1%}" if rec.marginal_reduction is not None else ""
        out += ["", f"-- {n}. helps {helps}{own}", rec.create_sql.rstrip().rstrip(";") + ";",
                *(f"-- down: {line}" for line in rec.drop_sql.strip().splitlines())]
    if report.drop_candidates:
        out += ["", "-- drop candidates (review each before running it):"]
        for drop in report.drop_candidates:
            out += [f"-- {drop.reason}", f"-- {drop.drop_sql.strip()}"]
    if not report.recommendations and not report.drop_candidates:
        out.append("-- no index to add or drop")
    sys.stdout.write("\n".join(out) + "\n")
