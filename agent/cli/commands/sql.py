"""`dbsage sql [SQL|-]`: run one statement through the read-only guard and print the bounded result.

Exit 0 with results; 3 and `refused: <reason>` on stderr when the guard refuses; 1 with the server's own error text
when the database rejects the statement. Each engine takes a statement in its own language (registry.py says
which): SQL text, or a MongoDB command document as JSON (`{"find": "orders", "filter": {"status": "new"}}`).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from dbsage.agent.cli.options import DbOption, FormatOption
from dbsage.agent.cli.output import Format, emit_json, reporting
from dbsage.tools.errors import UsageError  # already loaded by cli.output: costs nothing at start-up

if TYPE_CHECKING:
    pass

SqlArgument = Annotated[
    str | None,
    typer.Argument(metavar="SQL|-", help="one read-only statement; '-' or nothing reads it from stdin",
                   show_default=False),
]
MaxRowsOption = Annotated[
    int | None, typer.Option("--max-rows", min=1, help="at most this many rows (default 1000)", show_default=False)
]
TimeoutOption = Annotated[
    float | None,
    typer.Option("--timeout", min=0.1, help="statement timeout in seconds, enforced by the server (default 5)",
                 show_default=False),
]


def sql_command(sql: SqlArgument = None, db: DbOption = None, fmt: FormatOption = Format.table,
                max_rows: MaxRowsOption = None, timeout: TimeoutOption = None) -> None:
    """Run one read-only statement (SELECT, EXPLAIN, SHOW) through dbsage's guard."""
    from dataclasses import replace

    from dbsage.agent.cli.render.query import print_rows
    from dbsage.tools.engines.base import SessionLimits
    from dbsage.tools.engines.registry import open_engine
    from dbsage.tools.targets import resolve

    with reporting(fmt.value):
        text = _read_statement(sql)
        target = resolve(db)
        limits = SessionLimits()
        if timeout is not None:
            limits = replace(limits, statement_timeout_ms=int(timeout * 1000))
        engine = open_engine(target, needs={"run"}, limits=limits)
        try:
            result = engine.run(text, max_rows=max_rows)  # the engine's guard checks it before connecting
        finally:
            engine.close()
        if fmt is Format.json:
            emit_json("sql", result=result)
        else:
            print_rows(result)


def _read_statement(sql: str | None) -> str:
    if sql is None and sys.stdin.isatty():  # nothing given at a terminal: say how, rather than wait for EOF
        raise UsageError("no statement given", "pass it as an argument: dbsage sql 'SELECT 1', or pipe it in: "
                         "echo 'SELECT 1' | dbsage sql -")
    text = sys.stdin.read() if sql in (None, "-") else sql
    if not text or not text.strip():
        raise UsageError("no statement given", "pass it as an argument, or pipe it in: echo 'SELECT 1' | dbsage sql -")
    return text
