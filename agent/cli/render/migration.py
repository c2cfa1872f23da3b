"""A migration draft (MigrationDraft) for people: each phase's up steps with why, the application's steps between
phases, the down steps, what the draft could not do, and the lint verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from dbsage.agent.cli.output import stdout

if TYPE_CHECKING:
    from dbsage.tools.migrations.draft.model import MigrationDraft, Step


def render_draft_text(draft: MigrationDraft, verdict: dict[str, Any] | None, console: Console = stdout) -> None:
    checked = "checked on the live database" if draft.checked_live else "not checked against a database"
    console.print(Text(draft.title, style="bold"))
    console.print(Text(f"{draft.server.label} · {checked} · {len(draft.up)} up steps, {len(draft.down)} down steps",
                       style="dim"))
    phases = draft.phases()
    for index, phase in enumerate(phases):
        if len(phases) > 1 or draft.two_phase:
            console.print(Text(f"\n{phase.name} phase — up", style="bold cyan"))
        else:
            console.print(Text("\nup", style="bold cyan"))
        _steps(phase.up, console)
        if draft.app_steps and phase.name == "expand" and (index + 1 < len(phases) or draft.two_phase):
            _app_steps(draft.app_steps, console)
    if draft.app_steps and phases and phases[0].name == "contract":
        _app_steps(draft.app_steps, console)  # drop-column: the application goes first
    console.print(Text("\ndown (contract's undo first)" if draft.two_phase else "\ndown", style="bold cyan"))
    _steps(draft.down, console) if draft.down else console.print(Text("  nothing to undo", style="dim"))
    for note in draft.notes:
        console.print(Text(f"note: {note}", style="yellow"))
    _verdict(verdict, console)


def _steps(steps: list[Step], console: Console) -> None:
    for number, step in enumerate(steps, 1):
        where = "" if step.transactional else "  [outside a transaction]"
        console.print(Text(f"  {number}. {step.comment}{where}", style="dim"))
        for line in step.sql.splitlines():
            console.print(Text(f"     {line}"), soft_wrap=True)  # SQL is copied: never wrapped


def _app_steps(app_steps: list[str], console: Console) -> None:
    console.print(Text("\nthen the application, before the contract phase:", style="bold magenta"))
    for number, text in enumerate(app_steps, 1):
        console.print(Text(f"  {number}. {text}"))


def _verdict(verdict: dict[str, Any] | None, console: Console) -> None:
    if verdict is None:
        console.print(Text("lint: not judged (this dbsage has no migration linter)", style="dim"))
        return
    if verdict["clean"]:
        console.print(Text("lint: clean (dbsage lint finds no warning or error)", style="green"))
        return
    console.print(Text(f"lint: {len(verdict['findings'])} finding(s)", style="bold yellow"))
    for finding in verdict["findings"]:
        console.print(Text(f"  {finding['script']}:{finding['line']} {finding['rule']} ({finding['severity']}): "
                           f"{finding['reason']}"))
