"""Locking rules: explicit table locks, partition detach, materialized-view refresh, and one-statement backfills
that hold row locks on a whole table."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast, enums
from sqlglot import exp

from dbsage.tools.migrations.lint.postgres_parse import LOCK_MODES, relname
from dbsage.tools.migrations.lint.rules import Hit, Parsed, rule
from dbsage.tools.migrations.lint.state import MigrationState


@rule("lock-table", family="locking", severity="warning",
      summary="LOCK TABLE in a mode that blocks writes (or reads) for the rest of the transaction")
def lock_table(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    if isinstance(node, ast.LockStmt) and (node.mode or 0) >= 5:
        for rel in node.relations or ():
            table = relname(rel)
            if not state.is_new(table):
                yield Hit(f"LOCK TABLE {table} IN {LOCK_MODES.get(node.mode or 0)} MODE {p.stmt.blocks} until the "
                          "transaction ends", "-- drop the explicit lock; batch the work so each step takes row locks "
                          "only, with lock_timeout set", table=table)


@rule("detach-partition-not-concurrent", family="locking", severity="warning",
      summary="DETACH PARTITION without CONCURRENTLY takes ACCESS EXCLUSIVE on the parent",
      squawk=("require-concurrent-partition-detach",))
def detach_partition(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    if not isinstance(node, ast.AlterTableStmt):
        return
    for cmd in node.cmds or ():
        if cmd.subtype == enums.AlterTableType.AT_DetachPartition and not cmd.def_.concurrent:
            parent, part = relname(node.relation), relname(cmd.def_.name)
            rewrite = (f"-- PostgreSQL 14+, outside a transaction block\nALTER TABLE {parent} DETACH PARTITION {part} "
                       "CONCURRENTLY;") if state.at_least(14) else "-- upgrade to 14+ for DETACH … CONCURRENTLY"
            yield Hit(f"DETACH PARTITION takes ACCESS EXCLUSIVE on {parent}: every query on the partitioned table "
                      "waits", rewrite)


@rule("refresh-matview-blocks-reads", family="locking", severity="warning",
      summary="REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks readers for the whole refresh")
def refresh_matview(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    if isinstance(node, ast.RefreshMatViewStmt) and not node.concurrent and not node.skipData:
        view = relname(node.relation)
        if not state.is_new(view):
            yield Hit(f"REFRESH MATERIALIZED VIEW {view} holds ACCESS EXCLUSIVE: every read of it waits for the whole "
                      "refresh", f"-- needs a unique index on the view\nREFRESH MATERIALIZED VIEW CONCURRENTLY {view};")


@rule("unbatched-dml", family="locking", severity="warning", dialects=("postgres", "mysql"),
      summary="UPDATE/DELETE of a whole table in one statement: one long transaction locking every row")
def unbatched_dml(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    table, verb = _whole_table_dml(p)
    if table is None or state.is_new(table):
        return
    rewrite = (f"-- repeat until no row changes, each batch its own transaction:\n"
               f"{verb} … WHERE id IN (SELECT id FROM {table} WHERE <not yet done> LIMIT 5000)"
               if p.dialect == "postgres" else
               "-- repeat until no row changes, each batch its own transaction:\n"
               f"{verb} … WHERE <not yet done> LIMIT 5000")
    yield Hit(f"{verb} without WHERE changes every row of {table} in one transaction: it locks all those rows "
              "(other writers wait), bloats the table and lags replicas", rewrite, table=table, size_sensitive=True,
              lock="ROW EXCLUSIVE" if p.dialect == "postgres" else "NONE")


def _whole_table_dml(p: Parsed) -> tuple[str | None, str]:
    node = p.node
    if p.dialect == "postgres":
        if isinstance(node, ast.UpdateStmt | ast.DeleteStmt) and node.whereClause is None:
            return relname(node.relation), "UPDATE" if isinstance(node, ast.UpdateStmt) else "DELETE"
        return None, ""
    tree = node.tree
    if isinstance(tree, exp.Update | exp.Delete) and not tree.args.get("where") and not tree.args.get("limit"):
        return node.table, "UPDATE" if isinstance(tree, exp.Update) else "DELETE"
    return None, ""
