"""Check a request against the live database (read-only, through the engine adapter) and gather what the builders
use: the table as it is, its partitions, every table's name (for close matches and --references), the version.

An unknown table or column is an error that names the closest existing ones (difflib), not a draft that fails on
the production server.
"""

from __future__ import annotations

import difflib
from typing import Any

from dbsage.tools.errors import DbsageError, UsageError
from dbsage.tools.migrations.draft.context import DraftContext, bare_name
from dbsage.tools.migrations.draft.model import DraftRequest, Flavor, ServerVersion
from dbsage.tools.schema import SchemaSnapshot, Table

# Intents whose --column names columns that exist now (add-column names one that must not).
_EXISTING_COLUMNS = {"add-index", "add-unique", "add-foreign-key", "set-not-null", "change-type", "rename-column",
                     "drop-column", "backfill", "add-check"}

_PARTITIONS = """SELECT c.relname AS name, n.nspname AS schema
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE i.inhparent = (%(parent)s)::regclass ORDER BY c.relname LIMIT 10000"""


def server_of(engine: Any) -> ServerVersion:
    """The server's flavor and version from the engine's report (`PostgreSQL 15.4 …`, `MariaDB 10.11.6 …`)."""
    if engine.name not in ("postgres", "mysql"):
        raise UsageError("dbsage drafts migrations for PostgreSQL and MySQL/MariaDB only",
                         "point --db at a PostgreSQL or MySQL/MariaDB database")
    version = engine.server_report().version
    flavor: Flavor = "postgresql" if engine.name == "postgres" else "mariadb" if "mariadb" in version.lower() \
        else "mysql"
    return ServerVersion.parse(flavor, version)


def live_context(request: DraftRequest, engine: Any, server: ServerVersion) -> DraftContext:
    snapshot: SchemaSnapshot = engine.introspect()
    table = snapshot.find(request.table)
    if table is None:
        names = [t.name for t in snapshot.tables] + [t.qualified_name for t in snapshot.tables]
        raise DbsageError(f"no table {request.table} in {snapshot.database}" + _close(request.table, names),
                          "check the name (dbsage schema lists the tables)")
    ctx = DraftContext(request=request, server=server, table=table, tables=snapshot.tables)
    if request.intent in _EXISTING_COLUMNS:
        for column in [*request.columns, *([request.key] if request.key else [])]:
            _require_column(table, column)
    if request.intent == "add-foreign-key" and request.references:
        _require_reference(ctx, snapshot)
    if table.kind == "partitioned table" and hasattr(engine, "catalog_query"):
        rows = engine.catalog_query(_PARTITIONS, {"parent": table.qualified_name})
        ctx.partitions = [f"{row['schema']}.{row['name']}" for row in rows]
    return ctx


def _require_column(table: Table, column: str) -> None:
    if any(c.name.lower() == column.lower() for c in table.columns):
        return
    raise DbsageError(f"{table.qualified_name} has no column {column}" + _close(column, [c.name for c in
                                                                                          table.columns]),
                      f"check the name (dbsage schema {table.qualified_name} lists its columns)")


def _require_reference(ctx: DraftContext, snapshot: SchemaSnapshot) -> None:
    from dbsage.tools.migrations.draft.constraints import parse_references

    ref_table, ref_columns = parse_references(ctx)
    target = snapshot.find(ref_table)
    if target is None:
        names = [t.name for t in snapshot.tables]
        raise DbsageError(f"--references: no table {ref_table}" + _close(bare_name(ref_table), names),
                          "check the referenced table's name")
    for column in ref_columns:
        _require_column(target, column)


def _close(word: str, candidates: list[str]) -> str:
    matches = difflib.get_close_matches(word, list(dict.fromkeys(candidates)), n=3, cutoff=0.5)
    return f" — did you mean {', '.join(matches)}?" if matches else ""
