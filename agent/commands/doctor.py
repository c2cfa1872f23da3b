"""`dbsage doctor`: server version, capabilities with the fix for each missing one, and what the login may do."""

from __future__ import annotations

from rich.table import Table as RichTable

from dbsage.agent.commands.options import DbOption, FormatOption
from dbsage.agent.output import Format, emit_json, reporting, stdout


def doctor_command(db: DbOption = None, fmt: FormatOption = Format.table) -> None:
    """Check what the server offers dbsage and whether the login is safely read-only."""
    from dbsage.tools.engines import connect
    from dbsage.tools.targets import resolve

    with reporting(fmt.value):
        engine = connect(resolve(db))
        try:
            report = engine.server_report()
        finally:
            engine.close()
        if fmt is Format.json:
            emit_json("doctor", report=report)
            return
        stdout.print(f"[bold]{report.version}[/bold] at {report.target}")
        grid = RichTable("capability", "status", "detail", "fix", title_justify="left")
        for cap in report.capabilities:
            status = {True: "[green]ok[/green]", False: "[yellow]missing[/yellow]", None: "unknown"}[cap.available]
            grid.add_row(cap.name, status, cap.detail, cap.fix or "")
        stdout.print(grid)
        login = report.login
        if login is None:
            return
        stdout.print(f"login: [bold]{login.user}[/bold] · superuser: {'yes' if login.superuser else 'no'}"
                     f" · can write: {'unknown' if login.can_write is None else 'yes' if login.can_write else 'no'}")
        for what in login.write_privileges:
            stdout.print(f"  may change: {what}")
        for warning in login.warnings:
            stdout.print(f"[yellow]warning:[/yellow] {warning}")
        if login.warnings and login.read_only_role_sql:
            stdout.print("\nCreate a read-only role for dbsage (run as an administrator):")
            stdout.print(login.read_only_role_sql, markup=False, soft_wrap=True)  # never wrap SQL: it gets copied
