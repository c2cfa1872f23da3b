"""`dbsage proposals list|show|approve|reject|export`: the queue where a person reviews what dbsage drafted."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dbsage.agent.cli.options import FormatOption
from dbsage.agent.cli.output import Format, emit_json, reporting, stdout

if TYPE_CHECKING:
    from dbsage.agent.proposals.model import Proposal
    from dbsage.agent.proposals.store import ProposalStore

proposals_app = typer.Typer(name="proposals", help="Review, approve, reject and export proposals (people only).",
                            no_args_is_help=True)
IdArgument = Annotated[int, typer.Argument(metavar="ID", help="the proposal's id (see `dbsage proposals list`)")]


def _store() -> ProposalStore:
    from dbsage.agent.proposals.store import ProposalStore

    return ProposalStore()


@proposals_app.command("list")
def list_command(
    status: Annotated[str | None, typer.Option("--status", help="pending, approved, rejected or applied")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """List proposals, newest last."""
    from dbsage.agent.cli.render.proposals import print_list
    from dbsage.agent.proposals.model import TRANSITIONS
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
        print_list(found)


@proposals_app.command("show")
def show_command(proposal_id: IdArgument, fmt: FormatOption = Format.table) -> None:
    """Show one proposal: its SQL, rationale and audit trail."""
    with reporting(fmt.value):
        proposal = _store().get(proposal_id)
        if fmt is Format.json:
            emit_json("proposals show", proposal=proposal)
        else:
            from dbsage.agent.cli.render.proposals import print_proposal

            print_proposal(proposal)


@proposals_app.command("approve")
def approve_command(proposal_id: IdArgument, fmt: FormatOption = Format.table) -> None:
    """Approve a pending proposal (recorded with your OS user name)."""
    from dbsage.tools.state import current_user

    with reporting(fmt.value):
        _report("approve", _store().approve(proposal_id, by=current_user()), fmt)


@proposals_app.command("reject")
def reject_command(
    proposal_id: IdArgument,
    reason: Annotated[str | None, typer.Option("--reason", help="why, for the audit trail")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Reject a proposal (recorded with your OS user name)."""
    from dbsage.tools.state import current_user

    with reporting(fmt.value):
        _report("reject", _store().reject(proposal_id, by=current_user(), reason=reason), fmt)


class ExportFormat(StrEnum):
    """table/json: up/down .sql files and a report for people/programs; a tool name: that tool's migration files."""

    table = "table"
    json = "json"
    sql = "sql"
    alembic = "alembic"
    django = "django"
    prisma = "prisma"
    drizzle = "drizzle"
    typeorm = "typeorm"
    sequelize = "sequelize"
    flyway = "flyway"


@proposals_app.command("export")
def export_command(
    proposal_id: IdArgument,
    to: Annotated[Path, typer.Option("--to", help="migrations folder")] = Path("migrations"),
    fmt: Annotated[ExportFormat, typer.Option(
        "--format", "-f", help="table/json: up and down .sql files, reported for people/programs; sql, alembic, "
        "django, prisma, drizzle, typeorm, sequelize, flyway: the files of that migration tool")] = ExportFormat.table,
) -> None:
    """Write an approved proposal into a migrations folder, as .sql files or for your migration tool (nothing is
    applied)."""
    from dbsage.tools.errors import UsageError
    from dbsage.tools.state import current_user

    report = "json" if fmt is ExportFormat.json else "table"
    tool = None if fmt in (ExportFormat.table, ExportFormat.json) else fmt.value
    with reporting(report):
        try:
            paths = _store().export(proposal_id, to, by=current_user(), tool=tool)
        except OSError as exc:  # --to names a file, or a place this user cannot write
            raise UsageError(f"cannot write the migration files to {to}: {exc.strerror}",
                             "pass --to a folder you can write (it is created if missing)") from None
        if fmt is ExportFormat.json:
            emit_json("proposals export", proposal=proposal_id, files=[str(p) for p in paths])
        else:
            for path in paths:
                stdout.print(f"wrote {path}")


def _report(action: str, proposal: Proposal, fmt: Format) -> None:
    from dbsage.agent.cli.render.proposals import print_decision

    if fmt is Format.json:
        emit_json(f"proposals {action}", proposal=proposal)
    else:
        print_decision(proposal)
