"""A rehearsal for people: how the copy was made, each pass's statements with time, locks and rewrites, the
verdict, and the catalog difference when down did not restore the schema."""

from __future__ import annotations

from rich.console import Console

from dbsage.agent.cli.output import add_text_row, data_table, stdout
from dbsage.tools.migrations.rehearse.model import RehearsalResult, StatementRun


def print_rehearsal(result: RehearsalResult, console: Console = stdout) -> None:
    console.print(f"rehearsed on {result.scratch} (a copy of {result.target}, {result.server_version})", markup=False)
    copy = result.schema_copy
    console.print(f"schema: {copy.method}, {copy.statements} statements in {copy.seconds:.2f} s", markup=False)
    for skipped in copy.skipped:
        console.print(f"  skipped {skipped}", markup=False)
    sample = result.sample
    console.print(f"rows: {sample.rows} sampled from {sample.tables} tables (up to {sample.rows_per_table} each"
                  f"{f', {sample.dropped_orphans} dropped to keep foreign keys' if sample.dropped_orphans else ''})",
                  markup=False)
    if sample.masked:
        console.print(f"masked: {_first(sample.masked)}", markup=False)
    for skipped in sample.skipped[:20]:
        console.print(f"  not sampled: {skipped}", markup=False)
    if len(sample.skipped) > 20:
        console.print(f"  … and {len(sample.skipped) - 20} more tables not sampled (--format json lists them)",
                      markup=False)
    for run in result.passes:
        grid = data_table("statement", "time", "locks taken", "rewrote", title=f"{run.name} · {run.seconds:.3f} s"
                          f"{'' if run.ok else ' · FAILED'}", title_justify="left")
        for statement in run.statements:
            add_text_row(grid, _short(statement.sql), f"{statement.seconds * 1000:.1f} ms", _locks(statement),
                         ", ".join(statement.rewrote) or "—")
            if statement.error:
                add_text_row(grid, f"  error: {statement.error}", "", "", "")
        console.print(grid)
    if result.diff:
        console.print("[bold]catalog after down differs from before up[/bold] (- lost, + left behind):")
        for line in result.diff:
            console.print(f"  {line}", markup=False, soft_wrap=True)
    for note in result.notes:
        console.print(f"note: {note}", markup=False)
    style = "green" if result.ok else "red"
    console.print(f"[{style}]{result.verdict}[/{style}] ({result.seconds:.1f} s in all)")


def _locks(statement: StatementRun) -> str:
    if not statement.locks:
        return "none seen" if not statement.transactional else "none"
    text = "; ".join(f"{lock.level} on {lock.relation}" for lock in statement.locks)
    return text + (" (watched)" if not statement.transactional else "")


def _first(names: list[str], shown: int = 20) -> str:
    """A long list (2,000 tables each with a `name` column) stays one line: the rest is in --format json."""
    more = f" … and {len(names) - shown} more (--format json lists them)" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _short(sql: str, width: int = 120) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
