"""`dbsage explain SQL`: the plan with its hot path, estimated vs actual rows, and insights in plain words."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from dbsage.agent.cli.options import DbOption, FormatOption
from dbsage.agent.cli.output import Format, emit_json, reporting, stdout


def explain_command(
    sql: Annotated[str, typer.Argument(metavar="SQL", help=(
        "the statement (MongoDB: a mongosh query such as db.orders.find({...}).sort({...}), or a JSON command "
        "document); '-' reads it from stdin"))],
    db: DbOption = None,
    run: Annotated[bool, typer.Option("--analyze", help=(
        "run it: plain reads only, rolled back, with a timeout (MongoDB: every candidate plan's trial, "
        "allPlansExecution)"))] = False,
    full: Annotated[bool, typer.Option("--full", help="JSON: include every plan node, not only the summary")] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Explain a statement: where the time goes, and what to change."""
    from dbsage.agent.cli.render.explain import print_explain
    from dbsage.tools.engines.registry import open_engine
    from dbsage.tools.explain import summarize
    from dbsage.tools.targets import resolve

    with reporting(fmt.value):
        text = sys.stdin.read() if sql == "-" else sql
        engine = open_engine(resolve(db), needs={"explain"}, command="explain")
        try:
            result = engine.explain(text, analyze=run)
        finally:
            engine.close()
        if fmt is Format.json:
            emit_json("explain", sql=result.sql, analyzed=result.analyzed, summary=summarize(result),
                      insights=result.insights, notes=result.notes, plan=result.plan if full else None)
            return
        print_explain(result, stdout)
