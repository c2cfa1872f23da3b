"""Index rules: builds and drops that block writes (or reads) while they run, and unique constraints that build
their index under the table lock."""

from __future__ import annotations

import copy
from collections.abc import Iterator

from pglast import ast, enums

from dbsage.tools.migrations.lint.postgres_parse import deparse, has_option, relname
from dbsage.tools.migrations.lint.rules import Hit, Parsed, rule
from dbsage.tools.migrations.lint.state import MigrationState

OUTSIDE_TX = ("-- run outside a transaction block (autocommit); if it fails, DROP INDEX CONCURRENTLY the INVALID "
              "index and retry\n")


@rule("index-not-concurrent", family="indexes", severity="warning",
      summary="CREATE INDEX without CONCURRENTLY blocks writes to the table for the whole build",
      squawk=("require-concurrent-index-creation",), kb="index-build-online")
def index_not_concurrent(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    # `ON ONLY parent` builds nothing (the partitioned parent's index starts empty and INVALID, each partition's is
    # built CONCURRENTLY and attached), and PostgreSQL refuses CONCURRENTLY with ONLY: no finding, no rewrite.
    if isinstance(node, ast.IndexStmt) and not node.concurrent and \
            (node.relation is None or node.relation.inh is not False):
        safe = copy.deepcopy(node)
        safe.concurrent, safe.if_not_exists = True, bool(node.idxname)
        table = relname(node.relation)
        yield Hit(f"CREATE INDEX without CONCURRENTLY holds a SHARE lock on {table} for the whole build: "
                  "inserts, updates and deletes wait until it finishes",
                  OUTSIDE_TX + deparse(safe) + ";", table=table, size_sensitive=True, scans=True)


@rule("drop-index-not-concurrent", family="indexes", severity="warning",
      summary="DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the table",
      squawk=("require-concurrent-index-deletion",))
def drop_index_not_concurrent(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    if isinstance(node, ast.DropStmt) and node.removeType == enums.ObjectType.OBJECT_INDEX and not node.concurrent:
        if len(node.objects or ()) == 1:
            safe = copy.deepcopy(node)
            safe.concurrent, safe.missing_ok = True, True
            rewrite = "-- run outside a transaction block\n" + deparse(safe) + ";"
        else:
            rewrite = "-- one DROP INDEX CONCURRENTLY IF EXISTS per index, outside a transaction block"
        yield Hit("DROP INDEX takes ACCESS EXCLUSIVE on the index's table: every query on it waits, and while it "
                  "waits for running queries it queues everyone behind it", rewrite)


@rule("reindex-not-concurrent", family="indexes", severity="warning",
      summary="REINDEX without CONCURRENTLY blocks writes, and reads that use the index",
      squawk=("require-concurrent-reindex",))
def reindex_not_concurrent(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    if isinstance(node, ast.ReindexStmt) and not has_option(node.params, "concurrently"):
        safe = copy.deepcopy(node)
        safe.params = (*(node.params or ()), ast.DefElem(defname="concurrently"))
        rewrite = ("-- PostgreSQL 12+, outside a transaction block\n" + deparse(safe) + ";") if state.at_least(12) \
            else "-- before PostgreSQL 12: CREATE INDEX CONCURRENTLY a copy, then drop the old one and rename"
        yield Hit("REINDEX without CONCURRENTLY blocks writes to the table, and reads that would use the index, "
                  "until the rebuild ends", rewrite, scans=True)


@rule("unique-constraint-builds-index", family="indexes", severity="warning",
      summary="ADD UNIQUE / PRIMARY KEY builds its index while holding ACCESS EXCLUSIVE",
      squawk=("disallowed-unique-constraint", "adding-serial-primary-key-field"))
def unique_constraint(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    if not isinstance(node, ast.AlterTableStmt):
        return
    table = relname(node.relation) or ""
    for cmd in node.cmds or ():
        con = cmd.def_
        if cmd.subtype != enums.AlterTableType.AT_AddConstraint or not isinstance(con, ast.Constraint):
            continue
        if con.contype not in (enums.ConstrType.CONSTR_UNIQUE, enums.ConstrType.CONSTR_PRIMARY) or con.indexname:
            continue
        kind = "PRIMARY KEY" if con.contype == enums.ConstrType.CONSTR_PRIMARY else "UNIQUE"
        cols = ", ".join(k.sval for k in con.keys or ())
        name = con.conname or f"{table.rpartition('.')[2]}_{cols.replace(', ', '_')}_key"
        rewrite = (f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {name}_idx ON {table} ({cols});\n"
                   f"SET lock_timeout = '3s';\n"
                   f"ALTER TABLE {table} ADD CONSTRAINT {name} {kind} USING INDEX {name}_idx;")
        yield Hit(f"ADD {kind} builds a unique index on {table} while holding ACCESS EXCLUSIVE: reads and writes "
                  "wait for the whole build", rewrite, table=table, size_sensitive=True, scans=True)
