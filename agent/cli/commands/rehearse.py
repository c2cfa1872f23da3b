"""`dbsage migrate rehearse FILE|PROPOSAL_ID --db TARGET --scratch SCRATCH`: run a migration's up, down and up
again on a scratch copy of the target (its schema and a sample of its rows), and show what each statement did.

The target is only read. The scratch is written: it must not be the target, and must be empty or dbsage's own
(--scratch-reuse wipes another). A proposal's rehearsal is attached to it. Exit 0 when up, down and up again ran
and down restored the schema; 4 when the rehearsal found a problem; 1/2 for errors as everywhere.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dbsage.agent.cli.options import DbOption
from dbsage.agent.cli.output import emit_json, reporting, stderr

if TYPE_CHECKING:
    from dbsage.agent.proposals.model import Proposal
    from dbsage.tools.migrations.draft.model import Step

REHEARSAL_FAILED = 4  # like lint's findings: the command worked and found a problem


class RehearseFormat(StrEnum):
    table = "table"
    text = "text"
    json = "json"


class SchemaCopy(StrEnum):
    auto = "auto"
    pg_dump = "pg_dump"
    catalog = "catalog"


def rehearse_command(
    source: Annotated[str, typer.Argument(metavar="FILE|PROPOSAL_ID",
                                          help="a migration file (its down: --down, NAME.down.sql beside NAME.up.sql,"
                                               " or -- migrate:down) or a proposal's id")],
    scratch: Annotated[str, typer.Option("--scratch", help="the database to rehearse in: a DSN, a connection name, "
                                                            "or `embedded` (dbsage's embedded PostgreSQL)")],
    db: DbOption = None,
    down: Annotated[Path | None, typer.Option("--down", help="the down migration file (for FILE)")] = None,
    sample_rows: Annotated[int, typer.Option("--sample-rows", help="rows copied per table (0: schema only)")] = 2000,
    scratch_reuse: Annotated[bool, typer.Option("--scratch-reuse", help="wipe a scratch that holds objects dbsage "
                                                                        "did not put there")] = False,
    schema_copy: Annotated[SchemaCopy, typer.Option("--schema-copy", help="auto (pg_dump when one of the server's "
                                                    "version is installed), pg_dump, or catalog")] = SchemaCopy.auto,
    fmt: Annotated[RehearseFormat, typer.Option("--format", "-f", help="table/text for people, json for programs")]
    = RehearseFormat.table,
) -> None:
    """Rehearse a migration: up, down, up again on a scratch copy, with time, locks and rewrites per statement."""
    from dbsage.tools.migrations.rehearse import rehearse
    from dbsage.tools.targets import resolve

    output = "json" if fmt is RehearseFormat.json else "table"
    with reporting(output):
        proposal, up, down_steps = _source(source, down)
        target = resolve(db)
        scratch_target = None if scratch.strip().lower() == "embedded" else resolve(scratch)
        say = None if output == "json" else (lambda text: stderr.print(f"… {text}", markup=False))
        result = rehearse(target, scratch_target, up, down_steps, sample_rows=sample_rows, reuse=scratch_reuse,
                          schema_copy=schema_copy.value, progress=say)
        if proposal is not None:
            from dbsage.agent.proposals.outcomes import attach_rehearsal
            from dbsage.agent.proposals.store import ProposalStore
            from dbsage.tools.state import current_user

            attach_rehearsal(ProposalStore(), proposal.id, result.model_dump_json(), result.verdict, current_user())
        if output == "json":
            emit_json("migrate rehearse", proposal=proposal.id if proposal else None, rehearsal=result,
                      verdict=result.verdict)
        else:
            from dbsage.agent.cli.render.rehearsal import print_rehearsal

            print_rehearsal(result)
            if proposal is not None:
                stderr.print(f"attached to proposal #{proposal.id}", markup=False)
    if not result.ok:
        raise typer.Exit(REHEARSAL_FAILED)


def _source(source: str, down: Path | None) -> tuple[Proposal | None, list[Step], list[Step]]:
    """A file's steps, or a proposal's (its stored draft's steps when it has one, else its up/down SQL)."""
    from dbsage.tools.errors import UsageError
    from dbsage.tools.migrations.rehearse import read_migration

    path = Path(source)
    if path.is_file():
        up, down_steps = read_migration(path, down)
        return None, up, down_steps
    if not source.isdigit():
        raise UsageError(f"{source} is neither a file nor a proposal id", "give a .sql file or a number from "
                         "`dbsage proposals list`")
    from dbsage.agent.proposals.steps import proposal_steps

    proposal = _proposal(int(source))
    up, down_steps = proposal_steps(proposal)
    return proposal, up, down_steps


def _proposal(proposal_id: int) -> Proposal:
    from dbsage.agent.proposals.store import ProposalStore

    return ProposalStore().get(proposal_id)
