"""Options every reporting command shares, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

from dbsage.agent.cli.output import Format

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="DSN (postgresql://, mysql://, mariadb://, mongodb://) or a connection name from dbsage.toml. "
        "Default: $DBSAGE_DB, then libpq's PG* variables.",
        show_default=False,
    ),
]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="table for people, json for programs.")]
