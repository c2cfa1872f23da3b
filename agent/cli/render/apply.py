"""An apply for people: the plan before confirmation (steps by transaction, settings, the write login, the live
lint) and the record after (what ran, what did not, the down for what ran, invalid indexes to drop)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console

from dbsage.agent.cli.output import add_text_row, data_table, stdout

if TYPE_CHECKING:
    from dbsage.agent.proposals.apply import ApplyPlan
    from dbsage.tools.migrations.apply.model import ApplyRecord


def print_plan(ready: ApplyPlan, console: Console = stdout) -> None:
    record, settings = ready.record, ready.record.settings
    console.print(f"apply proposal #{ready.proposal.id} {ready.proposal.title}", markup=False)
    console.print(f"with the write login {ready.write_target.display}; lock_timeout {settings.lock_timeout}, "
                  f"statement_timeout {settings.statement_timeout}, up to {settings.retries} retries of a lock "
                  f"timeout (waits from {settings.backoff_s:g} s, doubling)", markup=False)
    console.print(f"live lint: {'; '.join(record.relint)}" + (" (--force)" if record.forced else ""), markup=False)
    grid = data_table("step", "runs", "statement", title="what will run, in order", title_justify="left")
    for step in record.steps:
        add_text_row(grid, str(step.index), f"transaction {step.group}" if step.transactional else
                     "alone, outside a transaction", step.sql)
    console.print(grid)


def print_record(record: ApplyRecord, console: Console = stdout) -> None:
    grid = data_table("step", "status", "attempts", "time", "statement", title=f"apply: {record.summary}",
                      title_justify="left")
    for step in record.steps:
        add_text_row(grid, str(step.index), step.status, str(step.attempts),
                     "—" if step.seconds is None else f"{step.seconds:.3f} s",
                     step.sql + (f"\n  error: {step.error}" if step.error else ""))
    console.print(grid)
    finished = f"{record.finished_at:%Y-%m-%d %H:%M:%S}" if record.finished_at else "not finished"
    console.print(f"by {record.by}, {record.started_at:%Y-%m-%d %H:%M:%S} → {finished} UTC, write login "
                  f"{record.write_target}" + (", forced past the live lint" if record.forced else ""), markup=False)
    if record.note:
        console.print(f"note: {record.note}", markup=False)
    for index in record.invalid_indexes:
        console.print(f"[red]invalid index left by a failed CONCURRENTLY build:[/red] {index.name} — drop it with: "
                      f"{index.drop}")
    if record.down_for_ran and record.status != "applied":
        console.print("[bold]to undo the steps that ran[/bold]:")
        for sql in record.down_for_ran:
            console.print(f"  {sql.rstrip(';')};", markup=False, soft_wrap=True)
