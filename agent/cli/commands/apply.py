"""`dbsage proposals apply ID --write-db TARGET`: run an approved proposal on the live database with the write
login. CLI only — no agent, MCP or Slack path reaches it. It lints the proposal again against the live database,
shows what will run, asks for confirmation (--yes for scripts; without a terminal and without --yes it refuses),
then applies step by step and records exactly what ran (exit 0 applied, 1 failed or refused, 130 interrupted).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from dbsage.agent.cli.options import DbOption, FormatOption
from dbsage.agent.cli.output import Format, emit_json, reporting, stdout


def apply_command(
    proposal_id: Annotated[int, typer.Argument(metavar="ID", help="the approved proposal's id")],
    write_db: Annotated[str, typer.Option("--write-db", help="the write login: a DSN, or a connection name whose "
                                                             "write_dsn is set in dbsage.toml")],
    db: DbOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="apply without asking (for scripts)")] = False,
    force: Annotated[bool, typer.Option("--force", help="apply even when the live lint finds new problems, or "
                                                        "after a partial apply")] = False,
    lock_timeout: Annotated[str, typer.Option("--lock-timeout", help="how long a statement waits for a lock")]
    = "3s",
    statement_timeout: Annotated[str, typer.Option("--statement-timeout", help="how long a statement may run")]
    = "30min",
    retries: Annotated[int, typer.Option("--retries", help="extra attempts of a step after a lock timeout")] = 3,
    backoff: Annotated[float, typer.Option("--backoff", help="seconds before the first retry (doubling)")] = 1.0,
    fmt: FormatOption = Format.table,
) -> None:
    """Apply an approved proposal with the separate write login (re-linted live, confirmed, recorded step by step)."""
    from pydantic import ValidationError

    from dbsage.agent.proposals.apply import prepare, run
    from dbsage.agent.proposals.store import ProposalStore
    from dbsage.tools.errors import UsageError
    from dbsage.tools.migrations.apply import ApplySettings
    from dbsage.tools.state import current_user

    with reporting(fmt.value):
        try:
            settings = ApplySettings(lock_timeout=lock_timeout, statement_timeout=statement_timeout, retries=retries,
                                     backoff_s=backoff)
        except ValidationError as exc:
            raise UsageError(f"--{exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}", "see --help") from None
        store, by = ProposalStore(), current_user()
        ready = prepare(store, proposal_id, write_db, db, settings, by, force)
        if fmt is Format.table:
            from dbsage.agent.cli.render.apply import print_plan

            print_plan(ready)
        _confirm(proposal_id, yes)
        record = run(store, ready, by)
        if fmt is Format.json:
            emit_json("proposals apply", proposal=proposal_id, apply=record, summary=record.summary)
        else:
            from dbsage.agent.cli.render.apply import print_record

            print_record(record)
    if record.status != "applied":
        raise typer.Exit(1)


def _confirm(proposal_id: int, yes: bool) -> None:
    from dbsage.tools.errors import UsageError

    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError("no terminal to confirm on: dbsage applies nothing without a person's confirmation",
                         "run it at a terminal, or pass --yes in a script you own")
    answer = typer.prompt(f"type {proposal_id} to apply proposal #{proposal_id} now (anything else cancels)",
                          default="", show_default=False)
    if answer.strip() != str(proposal_id):
        stdout.print("cancelled: nothing was applied")
        raise typer.Exit(1)
