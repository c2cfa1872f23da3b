"""Schema tools: list_objects (every table/view/collection, bounded) and describe_object (one in full).

Summaries are what a model reads first: the key numbers in a few lines; the full typed result stays available by
handle. Everything a summary quotes from the database (names, comments) is data: the loop wraps it in <data>
markers before a model sees it. To add a tool here, write its input model, run and summary, and add one ToolSpec
line to SPECS.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from dbsage.agent.toolkit.context import ToolContext
from dbsage.agent.toolkit.spec import ToolSpec
from dbsage.tools.errors import UsageError
from dbsage.tools.schema import SchemaSnapshot, Table
from dbsage.tools.units import human_bytes


class ListObjectsInput(BaseModel):
    schema_name: str | None = Field(default=None, description="only objects in this schema (default: all)")


class ObjectSummary(BaseModel):
    name: str
    kind: str
    row_estimate: int | None = None
    size_bytes: int | None = None
    indexes: int = 0
    has_primary_key: bool = False
    comment: str | None = None


MAX_OBJECTS = 500  # a schema with 50,000 tables must not reach a model or an MCP client whole


class ObjectList(BaseModel):
    engine: str
    database: str
    objects: list[ObjectSummary] = Field(default_factory=list)
    omitted: int = Field(default=0, description="objects not listed (over the limit): narrow with schema_name")


def _list_objects(ctx: ToolContext, params: ListObjectsInput) -> ObjectList:
    snapshot: SchemaSnapshot = ctx.engine.introspect()
    tables = [t for t in snapshot.tables if params.schema_name in (None, t.schema_name)]
    listed = [
        ObjectSummary(name=t.qualified_name, kind=t.kind, row_estimate=t.row_estimate, size_bytes=t.size_bytes,
                      indexes=len(t.indexes), has_primary_key=t.primary_key is not None, comment=t.comment)
        for t in tables[:MAX_OBJECTS]
    ]
    return ObjectList(engine=snapshot.engine, database=snapshot.database, objects=listed,
                      omitted=len(tables) - len(listed))


def _summarize_objects(result: ObjectList) -> str:
    lines = [f"{len(result.objects) + result.omitted} objects in {result.engine} database {result.database}:"]
    for o in result.objects:
        pk = "" if o.has_primary_key or o.kind != "table" else ", NO primary key"
        comment = f", comment: {o.comment!r}" if o.comment else ""
        lines.append(f"- {o.name} ({o.kind}, ≈{o.row_estimate if o.row_estimate is not None else '?'} rows, "
                     f"{human_bytes(o.size_bytes)}, {o.indexes} indexes{pk}{comment})")
    if result.omitted:
        lines.append(f"… {result.omitted} more objects not listed: pass schema_name to narrow, or describe_object")
    return "\n".join(lines)


class DescribeObjectInput(BaseModel):
    name: str = Field(description="table, view or collection: name or schema.name")


def _describe_object(ctx: ToolContext, params: DescribeObjectInput) -> Table:
    snapshot: SchemaSnapshot = ctx.engine.introspect(params.name)
    if not snapshot.tables:
        raise UsageError(f"no table, view or collection named {params.name!r}",
                         "call list_objects to see what exists; qualify as schema.name if needed")
    return snapshot.tables[0]


def _summarize_table(t: Table) -> str:
    lines = [f"{t.qualified_name} ({t.kind}), ≈{t.row_estimate if t.row_estimate is not None else '?'} rows, "
             f"{human_bytes(t.size_bytes)}" + (f", comment: {t.comment!r}" if t.comment else "")]
    for c in t.columns:
        extra = "" if c.nullable else " NOT NULL"
        extra += f" DEFAULT {c.default}" if c.default else ""
        extra += f" -- {c.comment!r}" if c.comment else ""
        lines.append(f"  column {c.name} {c.type}{extra}")
    lines += [f"  {con.kind} {con.name}: {con.definition or ', '.join(con.columns)}" for con in t.constraints]
    for i in t.indexes:
        scans = "?" if i.scans is None else i.scans
        invalid = " INVALID" if not i.valid else ""
        lines.append(f"  index {i.name}{invalid}: {i.definition or ', '.join(i.columns)} "
                     f"({human_bytes(i.size_bytes)}, {scans} scans)")
    return "\n".join(lines)


SPECS = [
    ToolSpec("list_objects", ListObjectsInput, ObjectList, _list_objects, _summarize_objects),
    ToolSpec("describe_object", DescribeObjectInput, Table, _describe_object, _summarize_table),
]
