"""`dbsage proposals list|show|approve|reject|export`: the queue where a person reviews what dbsage drafted."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from dbsage.agent.commands.options import FormatOption
from dbsage.agent.output import Format, add_text_row, data_table, emit_json, human_bytes, reporting, stdout

if TYPE_CHECKING:
    from dbsage.agent.proposals import Proposal, ProposalStore

proposals_app = typer.Typer(name="proposals", help="Review, approve, reject and export proposals (people only).",
                            no_args_is_help=True)
IdArgument = Annotated[int, typer.Argument(metavar="ID", help="the proposal's id (see `dbsage proposals list`)")]


def _store() -> ProposalStore:
    from dbsage.agent.proposals import ProposalStore

    return ProposalStore()


@proposals_app.command("list")
def list_command(
    status: Annotated[str | None, typer.Option("--status", help="pending, approved, rejected or applied")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """List proposals, newest last."""
    from dbsage.agent.proposals import TRANSITIONS
    from dbsage.tools.errors import UsageError

    with reporting(fmt.value):
        if status is not None and status not in TRANSITIONS:
            raise UsageError(f"unknown status {status!r}", f"use one of {', '.join(TRANSITIONS)}")
        found = _store().list(status)
        if fmt is Format.json:
            emit_json("proposals list", proposals=found)
            return
        if not found:
            stdout.print("no proposals" + (f" with status {status}" if status else ""))
            return
        grid = data_table("id", "status", "title", "engine", "benefit", "size", "created", title_justify="left")
        for p in found:
            add_text_row(grid, str(p.id), p.status, p.title, p.engine, p.estimated_benefit or "—",
                         human_bytes(p.size_bytes), f"{p.created_at:%Y-%m-%d %H:%M} by {p.created_by}")
        stdout.print(grid)


@proposals_app.command("show")
def show_command(proposal_id: IdArgument, fmt: FormatOption = Format.table) -> None:
    """Show one proposal: its SQL, rationale and audit trail."""
    with reporting(fmt.value):
        proposal = _store().get(proposal_id)
        if fmt is Format.json:
            emit_json("proposals show", proposal=proposal)
        else:
            _print(proposal)


@proposals_app.command("approve")
def approve_command(proposal_id: IdArgument, fmt: FormatOption = Format.table) -> None:
    """Approve a pending proposal (recorded with your OS user name)."""
    from dbsage.agent.proposals import current_user

    with reporting(fmt.value):
        _report("approve", _store().approve(proposal_id, by=current_user()), fmt)


@proposals_app.command("reject")
def reject_command(
    proposal_id: IdArgument,
    reason: Annotated[str | None, typer.Option("--reason", help="why, for the audit trail")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Reject a proposal (recorded with your OS user name)."""
    from dbsage.agent.proposals import current_user

    with reporting(fmt.value):
        _report("reject", _store().reject(proposal_id, by=current_user(), reason=reason), fmt)


@proposals_app.command("export")
def export_command(
    proposal_id: IdArgument,
    to: Annotated[Path, typer.Option("--to", help="migrations folder")] = Path("migrations"),
    fmt: FormatOption = Format.table,
) -> None:
    """Write an approved proposal's up/down SQL into a migrations folder (nothing is applied)."""
    from dbsage.agent.proposals import current_user
    from dbsage.tools.errors import UsageError

    with reporting(fmt.value):
        try:
            paths = _store().export(proposal_id, to, by=current_user())
        except OSError as exc:  # --to names a file, or a place this user cannot write
            raise UsageError(f"cannot write the migration files to {to}: {exc.strerror}",
                             "pass --to a folder you can write (it is created if missing)") from None
        if fmt is Format.json:
            emit_json("proposals export", proposal=proposal_id, files=[str(p) for p in paths])
        else:
            for path in paths:
                stdout.print(f"wrote {path}")


def _report(action: str, proposal: Proposal, fmt: Format) -> None:
    if fmt is Format.json:
        emit_json(f"proposals {action}", proposal=proposal)
    else:
        last = proposal.audit[-1]
        stdout.print(f"proposal #{proposal.id} is now {proposal.status} "
                     f"(by {last.who} at {last.at:%Y-%m-%d %H:%M} UTC)", markup=False)


def _print(p: Proposal) -> None:
    stdout.print(Text.assemble((f"#{p.id} {p.title}", "bold"), f" · {p.status} · {p.engine} · {p.target}"))
    stdout.print(f"estimated benefit: {p.estimated_benefit or '—'} · size: {human_bytes(p.size_bytes)}", markup=False)
    stdout.print(f"rationale: {p.rationale}", markup=False)
    stdout.print("[bold]up[/bold]", markup=True)
    stdout.print(p.up_sql, markup=False, soft_wrap=True)
    stdout.print("[bold]down[/bold]", markup=True)
    stdout.print(p.down_sql, markup=False, soft_wrap=True)
    for entry in p.audit:
        note = f" — {entry.note}" if entry.note else ""  # a reason someone typed: plain text, never markup
        stdout.print(f"  {entry.at:%Y-%m-%d %H:%M:%S} {entry.who}: {entry.action}{note}", markup=False)
