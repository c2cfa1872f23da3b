"""`dbsage doctor`: server version, capabilities with the fix for each missing one, and what the login may do."""

from __future__ import annotations

from rich.text import Text

from dbsage.agent.commands.options import DbOption, FormatOption
from dbsage.agent.output import Format, data_table, emit_json, reporting, stdout


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
        stdout.print(Text.assemble((report.version, "bold"), f" at {report.target}"))
        grid = data_table("capability", "status", "detail", "fix", title_justify="left")
        for cap in report.capabilities:
            status = {True: Text("ok", "green"), False: Text("missing", "yellow"), None: Text("unknown")}
            # Text, not markup: a fix such as "under [mysqld] in my.cnf" must print its brackets
            grid.add_row(Text(cap.name), status[cap.available], Text(cap.detail), Text(cap.fix or ""))
        stdout.print(grid)
        login = report.login
        if login is None:
            return
        stdout.print(Text.assemble("login: ", (login.user, "bold"),
                                   f" · superuser: {'yes' if login.superuser else 'no'} · can write: "
                                   f"{'unknown' if login.can_write is None else 'yes' if login.can_write else 'no'}"))
        for what in login.write_privileges:
            stdout.print(f"  may change: {what}", markup=False)
        for warning in login.warnings:
            stdout.print(Text.assemble(("warning:", "yellow"), f" {warning}"))
        if login.warnings and login.read_only_role_sql:
            stdout.print("\nCreate a read-only role for dbsage (run as an administrator):")
            stdout.print(login.read_only_role_sql, markup=False, soft_wrap=True)  # never wrap SQL: it gets copied
