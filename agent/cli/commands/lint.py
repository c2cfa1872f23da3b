"""`dbsage lint FILE...`: migration safety lint — the lock each statement takes, rewrites, unsafe sequences, with
the safe rewrite. Exit 0 clean, 4 when findings reach --fail-on, 1 on error, 2 on usage."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from dbsage.agent.cli.options import DbOption
from dbsage.agent.cli.output import emit_json, reporting, stdout


class LintFormat(StrEnum):
    text = "text"
    table = "table"
    json = "json"


class FailOn(StrEnum):
    warning = "warning"
    error = "error"


def lint_command(
    files: Annotated[list[str], typer.Argument(help="migration .sql files or folders of them")],
    db: DbOption = None,
    dialect: Annotated[str | None, typer.Option("--dialect", help="postgres or mysql (MySQL and MariaDB); default: "
                                                "from --db, else detected per file")] = None,
    server_version: Annotated[str | None, typer.Option("--server-version", help="e.g. 15, 8.0.36, 10.11 "
                                                       "(default: from --db, else a current version)")] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="exit 4 when a finding is at least this")] =
        FailOn.warning,
    fmt: Annotated[LintFormat, typer.Option("--format", "-f", help="text for people, json for programs")] =
        LintFormat.text,
) -> None:
    """Migration safety lint: locks, rewrites, unsafe steps, with the safe rewrite; --db adds live table sizes."""
    from dbsage.agent.cli.render.lint import print_lint
    from dbsage.tools.migrations.lint.config import load_settings
    from dbsage.tools.migrations.lint.files import lint_paths
    from dbsage.tools.migrations.lint.live import context_for

    with reporting("json" if fmt is LintFormat.json else "table"):
        settings = load_settings()
        context, chosen = None, dialect
        if db is not None:
            context, chosen = context_for(db, dialect)
        report = lint_paths(files, dialect=chosen, context=context, server_version=server_version,
                            settings=settings)
        if fmt is LintFormat.json:
            emit_json("lint", dialect=report.dialect, files=report.files, statements=report.statements,
                      live=report.live, findings=report.findings)
        else:
            print_lint(report, stdout)
    if report.at_or_above(fail_on.value):
        raise typer.Exit(4)
