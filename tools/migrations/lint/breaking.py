"""Rules for changes that break the application code already running: renames and drops (expand/contract)."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast, enums

from dbsage.tools.migrations.lint.postgres_parse import relname
from dbsage.tools.migrations.lint.rules import Hit, Parsed, rule
from dbsage.tools.migrations.lint.state import MigrationState

OT, AT = enums.ObjectType, enums.AlterTableType
BOTH = ("postgres", "mysql")
EXPAND = ("-- expand/contract: add the new {what}, make the application write both and read the new one, deploy,\n"
          "-- then remove the old {what} in a later migration once no running code uses it")


@rule("rename-column", family="breaking", severity="warning", dialects=BOTH, squawk=("renaming-column",),
      summary="renaming a column breaks running code that still uses the old name", kb="expand-contract")
def rename_column(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    for table, old, new in _renamed_columns(p):
        if not state.is_new(table):
            yield Hit(f"renaming {table}.{old} to {new} breaks every running query that still says {old} until "
                      "all application servers run the new code", EXPAND.format(what="column") +
                      f"\n-- (or a view/generated column exposing {new} while {old} stays)", table=table)


def _renamed_columns(p: Parsed) -> Iterator[tuple[str, str, str]]:
    node = p.node
    if p.dialect == "postgres":
        if isinstance(node, ast.RenameStmt) and node.renameType == OT.OBJECT_COLUMN:
            yield relname(node.relation) or "", node.subname or "", node.newname or ""
        return
    for spec in node.specs:
        w = spec.words
        if spec.starts("RENAME", "COLUMN") and len(w) >= 5:
            yield node.table, w[2].strip("\x00"), w[4].strip("\x00")
        elif spec.starts("CHANGE") and len(w) >= 3:
            i = 2 if w[1] == "COLUMN" else 1
            if i + 1 < len(w) and w[i].strip("\x00").lower() != w[i + 1].strip("\x00").lower():
                yield node.table, w[i].strip("\x00"), w[i + 1].strip("\x00")


@rule("rename-table", family="breaking", severity="warning", dialects=BOTH, squawk=("renaming-table",),
      summary="renaming a table breaks running code that still uses the old name", kb="expand-contract")
def rename_table(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    if p.dialect == "postgres":
        if isinstance(node, ast.RenameStmt) and node.renameType in (OT.OBJECT_TABLE, OT.OBJECT_VIEW,
                                                                       OT.OBJECT_MATVIEW):
            table = relname(node.relation)
            if not state.is_new(table):
                yield Hit(f"renaming {table} to {node.newname} breaks every running query that still names {table}",
                          f"ALTER TABLE {table} RENAME TO {node.newname};\n"
                          f"CREATE VIEW {table} AS SELECT * FROM {node.newname};  -- old name keeps working; "
                          "drop the view once no code uses it", table=table)
        return
    renamed = node.words[:2] == ["RENAME", "TABLE"] or any(
        s.starts("RENAME", "TO") or s.starts("RENAME", "AS") or (s.starts("RENAME") and len(s.words) == 2)
        for s in node.specs)
    if renamed and not state.is_new(node.table):
        yield Hit(f"renaming {node.table} breaks every running query that still names it",
                  EXPAND.format(what="table") + "\n-- (a view with the old name can bridge the switch)",
                  table=node.table)


@rule("drop-column", family="breaking", severity="warning", dialects=BOTH, squawk=("ban-drop-column",),
      summary="dropping a column breaks running code that still reads or writes it", kb="expand-contract")
def drop_column(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    if p.dialect == "postgres":
        if isinstance(node, ast.AlterTableStmt):
            table = relname(node.relation) or ""
            for cmd in node.cmds or ():
                if cmd.subtype == AT.AT_DropColumn and not state.is_new(table):
                    yield _drop_col(table, cmd.name)
        return
    for spec in node.specs:
        w = spec.words
        if spec.starts("DROP") and len(w) >= 2 and w[1] not in ("INDEX", "KEY", "PRIMARY", "FOREIGN", "CHECK",
                                                                 "CONSTRAINT", "PARTITION", "DEFAULT"):
            column = (w[2] if w[1] == "COLUMN" and len(w) > 2 else w[1]).strip("\x00")
            if not state.is_new(node.table):
                yield _drop_col(node.table, column)


def _drop_col(table: str, column: str) -> Hit:
    return Hit(f"dropping {table}.{column} breaks running code that still reads or writes it (an ORM that lists "
               "every column fails on its next INSERT or SELECT)",
               "-- first deploy code that no longer uses the column (Rails: ignored_columns; Django: remove the field "
               "with SeparateDatabaseAndState),\n-- then drop it in a later migration", table=table)


@rule("drop-table", family="breaking", severity="warning", dialects=BOTH, squawk=("ban-drop-table",),
      summary="dropping a table breaks running code that uses it and loses its data")
def drop_table(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    if p.dialect == "postgres":
        tables = [] if not (isinstance(node, ast.DropStmt) and node.removeType == OT.OBJECT_TABLE) else \
            [".".join(n.sval for n in obj) for obj in node.objects or ()]
    else:
        tables = [node.table] if node.words[:2] == ["DROP", "TABLE"] and node.table else []
    for table in tables:
        if not state.is_new(table):
            yield Hit(f"DROP TABLE {table} breaks running code that still uses it, and its data is gone for good",
                      f"-- stop using {table} in a deploy first; keep a backup (or rename it aside: "
                      f"ALTER TABLE {table} RENAME TO {table.rpartition('.')[2]}_retired) and drop it later")


@rule("drop-database", family="breaking", severity="error", dialects=BOTH, squawk=("ban-drop-database",),
      summary="DROP DATABASE in a migration")
def drop_database(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    if (p.dialect == "postgres" and isinstance(node, ast.DropdbStmt)) or (
            p.dialect == "mysql" and node.words[:2] in (["DROP", "DATABASE"], ["DROP", "SCHEMA"])):
        yield Hit("DROP DATABASE destroys a whole database: it has no place in an application migration",
                  "-- do it by hand, after a backup, outside the migration tool")


@rule("drop-object", family="breaking", severity="warning", squawk=("ban-drop-view", "ban-drop-function",
      "ban-drop-type", "ban-drop-schema", "ban-drop-sequence", "ban-drop-domain", "ban-drop-extension"),
      summary="dropping a view, function, type, schema, sequence or domain breaks code that uses it")
def drop_object(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    kinds = {OT.OBJECT_VIEW: "view", OT.OBJECT_MATVIEW: "materialized view", OT.OBJECT_FUNCTION: "function",
             OT.OBJECT_PROCEDURE: "procedure", OT.OBJECT_TYPE: "type", OT.OBJECT_SCHEMA: "schema",
             OT.OBJECT_SEQUENCE: "sequence", OT.OBJECT_DOMAIN: "domain", OT.OBJECT_EXTENSION: "extension"}
    if isinstance(node, ast.DropStmt) and node.removeType in kinds:
        what = kinds[node.removeType]
        if what in ("view", "materialized view") and all(
                state.is_new(".".join(n.sval for n in obj)) for obj in node.objects or ()):
            return
        yield Hit(f"dropping a {what} breaks running code (or other objects) that still use it"
                  f"{' — CASCADE drops those too' if node.behavior == enums.DropBehavior.DROP_CASCADE else ''}",
                  f"-- stop using the {what} in a deploy first, then drop it in a later migration")


@rule("truncate-table", family="breaking", severity="warning", dialects=BOTH, squawk=("ban-truncate-cascade",),
      summary="TRUNCATE in a migration deletes every row (CASCADE: of every referencing table too)")
def truncate(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    if p.dialect == "postgres" and isinstance(node, ast.TruncateStmt):
        cascade = node.behavior == enums.DropBehavior.DROP_CASCADE
        for rel in node.relations or ():
            table = relname(rel)
            if not state.is_new(table) or cascade:
                yield Hit(f"TRUNCATE {table}{' CASCADE also empties every table that references it' if cascade else ''}"
                          f": the data is gone for good, under ACCESS EXCLUSIVE",
                          "-- name each table to empty explicitly (no CASCADE), and take a backup first")
    elif p.dialect == "mysql" and node.verb == "TRUNCATE" and not state.is_new(node.table):
        yield Hit(f"TRUNCATE {node.table} deletes every row for good (and is DDL: it commits implicitly)",
                  "-- take a backup first, or DELETE in batches if the rows must go gradually")


@rule("set-schema", family="breaking", severity="warning", squawk=("ban-set-schema", "renaming-object"),
      summary="moving or renaming a view, function, sequence or schema breaks code that names it")
def set_schema(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    if isinstance(node, ast.AlterObjectSchemaStmt) and not state.is_new(relname(node.relation)):
        yield Hit(f"SET SCHEMA moves the object to {node.newschema}: queries that name the old schema fail",
                  "-- expand/contract: create it in the new schema (or a view there), switch the code, drop the old")
    elif isinstance(node, ast.RenameStmt) and node.renameType in (OT.OBJECT_FUNCTION, OT.OBJECT_SCHEMA,
                                                                   OT.OBJECT_SEQUENCE, OT.OBJECT_TYPE):
        yield Hit(f"renaming it to {node.newname} breaks code that still uses the old name",
                  "-- expand/contract: create the new name alongside, switch the code, drop the old later")
