"""Proposals for people: the queue as a table, one proposal with its SQL, risk verdict and audit trail, a decision's
line. A destructive proposal is marked so wherever it is shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from dbsage.agent.cli.output import add_text_row, data_table, stdout
from dbsage.agent.cli.render.outcomes import print_outcomes
from dbsage.tools.units import human_bytes

if TYPE_CHECKING:
    from dbsage.agent.proposals.model import Proposal


def flags_of(p: Proposal) -> str:
    """The risk marks a reviewer must not miss, e.g. 'DESTRUCTIVE, IRREVERSIBLE, NO DOWN'."""
    if p.review is None:
        return "not reviewed"
    return ", ".join(p.review.flags()) or "—"


def print_list(found: list[Proposal], console: Console = stdout) -> None:
    grid = data_table("id", "status", "title", "risk", "kind", "engine", "benefit", "size", "created",
                      title_justify="left")
    for p in found:  # the columns that were there first keep their places: scripts cut them by position
        add_text_row(grid, str(p.id), p.status, p.title, flags_of(p), p.kind, p.engine, p.estimated_benefit or "—",
                     human_bytes(p.size_bytes), f"{p.created_at:%Y-%m-%d %H:%M} by {p.created_by}")
    console.print(grid)


def print_decision(proposal: Proposal, console: Console = stdout) -> None:
    """The line after approve/reject: the new status and who decided when."""
    last = proposal.audit[-1]
    via = f" via {last.via}" if last.via else ""
    console.print(f"proposal #{proposal.id} is now {proposal.status} "
                  f"(by {last.who}{via} at {last.at:%Y-%m-%d %H:%M} UTC)", markup=False)


def print_proposal(p: Proposal, console: Console = stdout) -> None:
    console.print(Text.assemble((f"#{p.id} {p.title}", "bold"), f" · {p.status} · {p.engine} · {p.target}"))
    console.print(f"estimated benefit: {p.estimated_benefit or '—'} · size: {human_bytes(p.size_bytes)}", markup=False)
    if p.destructive:
        console.print(Text("DESTRUCTIVE: this change loses data; the down cannot bring it back", "bold red"))
    console.print(f"risk: {p.review.line() if p.review else 'not reviewed (filed before reviews existed)'}",
                  markup=False)
    for lock in p.review.locks if p.review else []:
        console.print(f"  lock: {lock}", markup=False)
    for finding in p.review.findings[:8] if p.review else []:
        console.print(f"  {finding.severity} {finding.rule} (line {finding.line}): {finding.reason}", markup=False)
    console.print(f"rationale: {p.rationale}", markup=False)
    console.print("[bold]up[/bold]", markup=True)
    console.print(p.up_sql, markup=False, soft_wrap=True)
    console.print("[bold]down[/bold]", markup=True)
    console.print(p.down_sql, markup=False, soft_wrap=True)
    print_outcomes(p, console)  # lint verdict, rehearsal, apply record
    for entry in p.audit:
        note = f" — {entry.note}" if entry.note else ""  # a reason someone typed: plain text, never markup
        via = f" (via {entry.via})" if entry.via else ""
        console.print(f"  {entry.at:%Y-%m-%d %H:%M:%S} {entry.who}: {entry.action}{via}{note}", markup=False)
