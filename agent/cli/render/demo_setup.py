"""The demo's set-up progress for people (on stderr): each loading step with its rows and time, then the line that
says which server and database the report is about."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dbsage.agent.cli.output import stderr

if TYPE_CHECKING:
    from dbsage.tools.demo.database import DemoServer, StepReport
    from dbsage.tools.demo.setup import DemoSetup


def print_step(step: StepReport) -> None:
    rows = f"{step.rows:>11,} rows" if step.rows is not None else " " * 16
    stderr.print(f"  {step.name:<16}{rows}  {step.seconds:6.2f} s", highlight=False)


def print_setup(setup: DemoSetup) -> None:
    server: DemoServer = setup.server.info
    database = setup.database
    if database.reused:
        how = f"reused (built earlier in {database.load_seconds} s; --rebuild reloads it)"
    else:
        how = f"built in {database.load_seconds} s" + (f" (rebuilt: {database.rebuilt_because})"
                                                        if database.rebuilt_because else "")
    total = sum(database.rows.values())
    stderr.print(f"dbsage demo: {database.name} on {server.display} [{server.kind}] · {total:,} rows · {how}",
                 highlight=False)
