"""`dbsage proposals list|show|approve|reject|withdraw|export`: the queue where a person reviews what dbsage drafted.

`approve` asks for confirmation on a terminal (the SQL and its risk verdict first) and refuses without one unless
`--yes` is given; the audit records which (`via`). A program running as your OS user can still pass `--yes`: keep the
store out of an agent's reach with a separate DBSAGE_STATE_DIR or OS user (docs/agent.md).
"""

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

proposals_app = typer.Typer(name="proposals", help="Review, approve, reject, withdraw and export proposals (people "
                            "only).",
                            no_args_is_help=True)
IdArgument = Annotated[int, typer.Argument(metavar="ID", help="the proposal's id (see `dbsage proposals list`)")]


def _store() -> ProposalStore:
    from dbsage.agent.proposals.store import ProposalStore

    return ProposalStore()


@proposals_app.command("list")
def list_command(
    status: Annotated[str | None, typer.Option(
        "--status", help="pending, approved, rejected, applied or withdrawn")] = None,
    target: Annotated[str | None, typer.Option(
        "--target", help="only proposals whose target contains this text (host, database, connection name)")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="index, migration or change")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """List proposals, newest last, with their risk flags; says which store it read."""
    from dbsage.agent.cli.render.proposals import print_list
    from dbsage.agent.proposals.model import TRANSITIONS
    from dbsage.tools.errors import UsageError

    with reporting(fmt.value):
        if status is not None and status not in TRANSITIONS:
            raise UsageError(f"unknown status {status!r}", f"use one of {', '.join(TRANSITIONS)}")
        store = _store()
        found = store.list(status, target=target, kind=kind)
        if fmt is Format.json:
            emit_json("proposals list", store=store.location, proposals=found)
            return
        stdout.print(f"store: {store.location}", markup=False, soft_wrap=True)
        if not found:
            filters = ", ".join(f"{name} {value}" for name, value in
                                (("status", status), ("target", target), ("kind", kind)) if value)
            stdout.print("no proposals" + (f" with {filters}" if filters else ""), markup=False)
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
def approve_command(
    proposal_id: IdArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="approve without the terminal prompt (recorded as "
                                      "'--yes' in the audit); needed when stdin is not a terminal")] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Approve a pending proposal: shows its SQL and risk verdict and asks you to confirm (recorded with your OS user
    name and how you confirmed)."""
    from dbsage.agent.proposals.model import TRANSITIONS, VIA_TERMINAL, VIA_YES
    from dbsage.tools.state import current_user

    with reporting(fmt.value):
        store = _store()
        proposal = store.get(proposal_id)
        if not yes and "approved" in TRANSITIONS[proposal.status]:  # else the store says why it cannot be approved
            _confirm_at_terminal(proposal)
        _report("approve", store.approve(proposal_id, by=current_user(), via=VIA_YES if yes else VIA_TERMINAL), fmt)


def _confirm_at_terminal(proposal: Proposal) -> None:
    """Show what is being approved on stderr and ask; a destructive change needs its id typed back. Refuses when
    stdin is not a terminal: a script or an agent piping input must say --yes, and the audit records that."""
    import sys

    from rich.console import Console

    from dbsage.agent.cli.render.proposals import print_proposal
    from dbsage.tools.errors import UsageError

    if not sys.stdin.isatty():
        raise UsageError(f"not approving proposal #{proposal.id}: no terminal to confirm on",
                         "run `dbsage proposals approve` in a terminal to review and confirm, or pass --yes "
                         "(the audit records that it was approved with --yes)")
    print_proposal(proposal, Console(stderr=True, highlight=False))
    if proposal.destructive:
        typed = typer.prompt(f"This change is DESTRUCTIVE. Type the proposal id ({proposal.id}) to approve it",
                             default="", show_default=False, err=True)
        confirmed = typed.strip().lstrip("#") == str(proposal.id)
    else:
        confirmed = typer.confirm(f"Approve proposal #{proposal.id}?", default=False, err=True)
    if not confirmed:
        raise UsageError(f"proposal #{proposal.id} was not approved (not confirmed)",
                         "nothing changed; run the command again to decide")


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


@proposals_app.command("withdraw")
def withdraw_command(
    proposal_id: IdArgument,
    reason: Annotated[str | None, typer.Option("--reason", help="why, for the audit trail")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Withdraw a pending or approved proposal: it leaves the queue but stays in the store and its audit trail."""
    from dbsage.tools.state import current_user

    with reporting(fmt.value):
        _report("withdraw", _store().withdraw(proposal_id, by=current_user(), reason=reason), fmt)


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
