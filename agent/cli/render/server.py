"""What a server offers dbsage (ServerReport) for people: capabilities with the fix for each missing one, and
what the login may do, with the SQL for a read-only role when it may write."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from dbsage.agent.cli.output import data_table, stdout

if TYPE_CHECKING:
    from dbsage.tools.capabilities import ServerReport


def print_server(report: ServerReport, console: Console = stdout) -> None:
    console.print(Text.assemble((report.version, "bold"), f" at {report.target}"))
    grid = data_table("capability", "status", "detail", "fix", title_justify="left")
    for cap in report.capabilities:
        status = {True: Text("ok", "green"), False: Text("missing", "yellow"), None: Text("unknown")}
        # Text, not markup: a fix such as "under [mysqld] in my.cnf" must print its brackets
        grid.add_row(Text(cap.name), status[cap.available], Text(cap.detail), Text(cap.fix or ""))
    console.print(grid)
    login = report.login
    if login is None:
        return
    console.print(Text.assemble("login: ", (login.user, "bold"),
                               f" · superuser: {'yes' if login.superuser else 'no'} · can write: "
                               f"{'unknown' if login.can_write is None else 'yes' if login.can_write else 'no'}"))
    for what in login.write_privileges:
        console.print(f"  may change: {what}", markup=False)
    for warning in login.warnings:
        console.print(Text.assemble(("warning:", "yellow"), f" {warning}"))
    if login.warnings and login.read_only_role_sql:
        console.print("\nCreate a read-only role for dbsage (run as an administrator):")
        console.print(login.read_only_role_sql, markup=False, soft_wrap=True)  # never wrap SQL: it gets copied


def print_capabilities(report: ServerReport, console: Console = stdout, *, built_by_login: bool = False) -> None:
    """The version and one line per capability (the fix where it is missing); with `built_by_login`, a note that a
    login that can write built the database and the agent should get a read-only role."""
    console.print(Text(report.version, "bold"))  # server text is data, never rich markup
    grid = RichTable("capability", "status", "detail / fix")
    for cap in report.capabilities:
        status = {True: Text("ok", "green"), False: Text("missing", "yellow"), None: Text("unknown")}[cap.available]
        grid.add_row(Text(cap.name), status, Text(cap.detail if cap.available else (cap.fix or cap.detail)))
    console.print(grid)
    login = report.login
    if built_by_login and login is not None and (login.superuser or login.can_write):
        console.print(Text.assemble(("note:", "yellow"), f" the login {login.user} can write (the demo built its "
                                    "database with it); point the agent at a read-only role — `dbsage doctor` "
                                    "prints the SQL"))
