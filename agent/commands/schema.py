"""`dbsage schema [OBJECT]`: tables, columns, constraints, indexes, sizes; `--format mermaid` draws the ER diagram."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table as RichTable

from dbsage.agent.commands.options import DbOption
from dbsage.agent.output import emit_json, human_bytes, human_count, reporting, stdout
from dbsage.tools.schema import SchemaSnapshot, Table


class SchemaFormat(StrEnum):
    table = "table"
    json = "json"
    mermaid = "mermaid"


def schema_command(
    object_name: Annotated[str | None, typer.Argument(metavar="[OBJECT]", help="a table/view/collection")] = None,
    db: DbOption = None,
    fmt: Annotated[SchemaFormat, typer.Option("--format", "-f")] = SchemaFormat.table,
) -> None:
    """Show the schema: every object, or one OBJECT in detail."""
    from dbsage.tools.engines import connect
    from dbsage.tools.errors import UsageError
    from dbsage.tools.targets import resolve

    with reporting(fmt.value):
        engine = connect(resolve(db))
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
            _print_detail(snapshot.tables[0])
        else:
            _print_overview(snapshot)


def _print_overview(snapshot: SchemaSnapshot) -> None:
    grid = RichTable(title=f"{snapshot.engine} · {snapshot.database} · {len(snapshot.tables)} objects",
                     title_justify="left")
    for header in ("object", "kind", "columns", "rows (est.)", "size", "indexes", "PK", "comment"):
        grid.add_column(header, justify="right" if header in ("columns", "rows (est.)", "size", "indexes") else "left")
    for t in snapshot.tables:
        grid.add_row(t.qualified_name, t.kind, str(len(t.columns)), human_count(t.row_estimate),
                     human_bytes(t.size_bytes), str(len(t.indexes)),
                     "yes" if t.primary_key else ("—" if t.kind != "table" else "[red]no[/red]"),
                     (t.comment or "")[:40])
    stdout.print(grid)


def _print_detail(table: Table) -> None:
    stdout.print(f"[bold]{table.qualified_name}[/bold] ({table.kind}) · rows ≈ {human_count(table.row_estimate)}"
                 f" · size {human_bytes(table.size_bytes)}")
    if table.comment:
        stdout.print(f"comment: {table.comment}")
    cols = RichTable("column", "type", "null", "default", "comment", title="columns", title_justify="left")
    for c in table.columns:
        nullable = "yes" if c.nullable else "not null"
        if c.presence is not None:
            nullable = f"{c.presence:.0%} present"
        cols.add_row(c.name, c.type, nullable, c.default or "", c.comment or "")
    stdout.print(cols)
    if table.constraints:
        cons = RichTable("constraint", "kind", "definition", title="constraints", title_justify="left")
        for con in table.constraints:
            cons.add_row(con.name, con.kind, con.definition or ", ".join(con.columns))
        stdout.print(cons)
    if table.indexes:
        idx = RichTable("index", "definition", "size", "scans", title="indexes", title_justify="left")
        for i in table.indexes:
            flag = "" if i.valid else " [red](INVALID)[/red]"
            idx.add_row(i.name + flag, i.definition or ", ".join(i.columns), human_bytes(i.size_bytes),
                        "—" if i.scans is None else str(i.scans))
        stdout.print(idx)
