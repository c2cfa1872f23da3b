"""`dbsage schema [OBJECT]`: tables, columns, constraints, indexes, sizes; `--format mermaid` draws the ER diagram."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from dbsage.agent.cli.options import DbOption
from dbsage.agent.cli.output import emit_json, reporting


class SchemaFormat(StrEnum):
    table = "table"
    json = "json"
    mermaid = "mermaid"


def schema_command(
    object_name: Annotated[str | None, typer.Argument(metavar="OBJECT", help="a table/view/collection")] = None,
    db: DbOption = None,
    fmt: Annotated[SchemaFormat, typer.Option(
        "--format", "-f", help="table for people, json for programs, mermaid for an ER diagram.")] = SchemaFormat.table,
) -> None:
    """Show the schema: every object, or one OBJECT in detail."""
    from dbsage.agent.cli.render.schema import print_detail, print_overview
    from dbsage.tools.engines.registry import open_engine
    from dbsage.tools.errors import UsageError
    from dbsage.tools.targets import resolve

    with reporting(fmt.value):
        engine = open_engine(resolve(db), needs={"introspect"})
        try:
            snapshot = engine.introspect(object_name)
        finally:
            engine.close()
        if object_name and not snapshot.tables:
            raise UsageError(f"no table, view or collection named {object_name!r}",
                             "run `dbsage schema` to list them; qualify as schema.name if needed")
        if fmt is SchemaFormat.json:
            emit_json("schema", schema=snapshot)
        elif fmt is SchemaFormat.mermaid:
            from dbsage.tools.erd import to_mermaid

            sys.stdout.write(to_mermaid(snapshot))
        elif object_name:
            print_detail(snapshot.tables[0])
        else:
            print_overview(snapshot)
