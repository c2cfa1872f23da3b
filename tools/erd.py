"""Entity-relationship diagrams in Mermaid `erDiagram` syntax, drawn from a SchemaSnapshot."""

from __future__ import annotations

import re

from dbsage.tools.schema import SchemaSnapshot, Table

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def _entity(table: Table, qualify: bool) -> str:
    name = f"{table.schema_name}_{table.name}" if qualify else table.name
    return _UNSAFE.sub("_", name)


def _type(text: str) -> str:
    # Mermaid attribute types are single words: "character varying(255)" -> "character_varying_255"
    return _UNSAFE.sub("_", text).strip("_") or "unknown"


def to_mermaid(snapshot: SchemaSnapshot) -> str:
    """An erDiagram: one entity per table/collection, PK/FK/UK markers, one edge per foreign key."""
    qualify = len({t.schema_name for t in snapshot.tables}) > 1
    by_name = {t.qualified_name: t for t in snapshot.tables} | {t.name: t for t in snapshot.tables}
    lines = ["erDiagram"]
    for table in snapshot.tables:
        pk = set(table.primary_key.columns) if table.primary_key else set()
        fk = {c for con in table.foreign_keys for c in con.columns}
        uk = {c for con in table.constraints if con.kind == "unique" for c in con.columns}
        lines.append(f"    {_entity(table, qualify)} {{")
        for column in table.columns:
            keys = [k for k, members in (("PK", pk), ("FK", fk), ("UK", uk)) if column.name in members]
            marker = f" {','.join(keys)}" if keys else ""
            lines.append(f"        {_type(column.type)} {_UNSAFE.sub('_', column.name)}{marker}")
        lines.append("    }")
    for table in snapshot.tables:
        for con in table.foreign_keys:
            parent = by_name.get(con.references_table or "") or by_name.get((con.references_table or "").split(".")[-1])
            if parent is None:
                continue
            optional = any(col.nullable for col in table.columns if col.name in con.columns)
            # A nullable foreign key means a child may have no parent: zero-or-one on the parent side.
            parent_side = "|o" if optional else "||"
            lines.append(
                f"    {_entity(parent, qualify)} {parent_side}--o{{ {_entity(table, qualify)} : \"{con.name}\""
            )
    return "\n".join(lines) + "\n"
