"""Rewrite rules: statements that copy the whole table (and rebuild its indexes) while holding ACCESS EXCLUSIVE."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast, enums
from pglast.visitors import Visitor

from dbsage.tools.migrations.lint.postgres_parse import deparse, has_option, relname
from dbsage.tools.migrations.lint.rules import Hit, Parsed, rule
from dbsage.tools.migrations.lint.state import MigrationState

AT, CT = enums.AlterTableType, enums.ConstrType
# Functions a DEFAULT may call without a rewrite on PostgreSQL 11+: evaluated once (stable/immutable).
_ONCE = {"now", "statement_timestamp", "transaction_timestamp", "current_timestamp", "current_date", "localtimestamp",
         "lower", "upper", "coalesce", "to_timestamp", "to_date", "make_interval", "jsonb_build_object",
         "json_build_object", "array", "btrim", "trim", "concat", "length", "abs", "round"}
_SERIAL = {"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"}
_CANON = {"int8": "bigint", "int4": "integer", "int": "integer", "int2": "smallint", "character varying": "varchar",
          "bpchar": "char", "character": "char", "decimal": "numeric", "float8": "double precision",
          "timestamp with time zone": "timestamptz", "timestamp without time zone": "timestamp", "bool": "boolean"}


class _Calls(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def visit_FuncCall(self, ancestors: Any, node: Any) -> None:  # noqa: N802  (pglast's visitor naming)
        self.names.append(node.funcname[-1].sval.lower())


def volatile_calls(expr: Any) -> list[str]:
    """Function names in `expr` that may not be evaluated once (so a DEFAULT with them rewrites the table)."""
    calls = _Calls()
    calls(expr)
    return [n for n in calls.names if n not in _ONCE]


@rule("add-column-rewrite", family="rewrites", severity="warning",
      summary="ADD COLUMN with a volatile default, serial, identity or stored generated value rewrites the table",
      squawk=("adding-field-with-default", "adding-serial-primary-key-field"), kb="add-column-default")
def add_column(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    if not isinstance(node, ast.AlterTableStmt):
        return
    table = relname(node.relation) or ""
    for cmd in node.cmds or ():
        if cmd.subtype != AT.AT_AddColumn:
            continue
        why = _rewrite_reason(cmd.def_, state)
        if why:
            col = cmd.def_.colname
            rewrite = (f"ALTER TABLE {table} ADD COLUMN {col} {deparse(cmd.def_.typeName)};  -- nullable, instant\n"
                       f"-- set the default for new rows: ALTER TABLE {table} ALTER COLUMN {col} SET DEFAULT …;\n"
                       f"-- then backfill existing rows in batches (UPDATE … WHERE id BETWEEN … ) and add NOT NULL "
                       "via CHECK … NOT VALID + VALIDATE")
            yield Hit(f"ADD COLUMN {col} {why}, so PostgreSQL rewrites all of {table} (and its indexes) under "
                      "ACCESS EXCLUSIVE", rewrite, table=table, size_sensitive=True, rewrites=True)


def _rewrite_reason(col: Any, state: MigrationState) -> str | None:
    names = [n.sval.lower() for n in col.typeName.names] if col.typeName else []
    if names and names[-1] in _SERIAL:
        return f"of type {names[-1]} fills every existing row from a sequence"
    for con in col.constraints or ():
        if not isinstance(con, ast.Constraint):
            continue
        if con.contype == CT.CONSTR_IDENTITY:
            return "as an identity column fills every existing row from a sequence"
        if con.contype == CT.CONSTR_GENERATED:
            return "as a stored generated column computes a value for every existing row"
        if con.contype == CT.CONSTR_DEFAULT and con.raw_expr is not None and not _null(con.raw_expr):
            if not state.at_least(11):
                return "with a DEFAULT (before PostgreSQL 11 every default is written into every row)"
            calls = volatile_calls(con.raw_expr)
            if calls:
                return f"with a volatile DEFAULT ({calls[0]}() is evaluated per row)"
    return None


def _null(expr: Any) -> bool:
    return isinstance(expr, ast.A_Const) and bool(expr.isnull)


@rule("column-type-rewrite", family="rewrites", severity="warning",
      summary="ALTER COLUMN … TYPE rewrites the table unless the change is binary-compatible",
      squawk=("changing-column-type",), kb="change-column-type")
def column_type(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    if not isinstance(node, ast.AlterTableStmt):
        return
    table = relname(node.relation) or ""
    for cmd in node.cmds or ():
        if cmd.subtype != AT.AT_AlterColumnType:
            continue
        target = type_of(cmd.def_.typeName)
        facts = state.facts(table)
        old = facts.columns.get((cmd.name or "").lower()) if facts else None
        using = cmd.def_.raw_default is not None
        if old is not None and not using and binary_compatible(parse_type_text(old), target):
            continue
        if old is None and not using and target in (("text", ()), ("varchar", ())):
            yield Hit(f"to {target[0]}: no rewrite when {cmd.name} is varchar/text now, a full rewrite otherwise "
                      "(pass --db to know)", "", table=table, severity="info")
            continue
        col, was = cmd.name, f" (now {old})" if old else ""
        yield Hit(f"changing {table}.{col}{was} to {deparse(cmd.def_.typeName)} rewrites the table and rebuilds "
                  "every index under ACCESS EXCLUSIVE; running code may also break on the new type",
                  f"-- expand/contract: ALTER TABLE {table} ADD COLUMN {col}_new {deparse(cmd.def_.typeName)};\n"
                  f"-- write both columns (trigger or application), backfill {col}_new in batches, switch reads,\n"
                  f"-- then in a short transaction: rename {col} → {col}_old, {col}_new → {col}; drop {col}_old later",
                  table=table, size_sensitive=True, rewrites=True)


def type_of(type_name: Any) -> tuple[str, tuple[int, ...]]:
    name = str(type_name.names[-1].sval).lower()
    mods = tuple(int(m.val.ival or 0) for m in type_name.typmods or () if isinstance(m, ast.A_Const)
                 and isinstance(m.val, ast.Integer))
    return _CANON.get(name, name), mods


def parse_type_text(text: str) -> tuple[str, tuple[int, ...]]:
    """'character varying(100)' → ('varchar', (100,)) — the catalog's format_type spelling."""
    base, _, rest = text.lower().partition("(")
    mods = tuple(int(x) for x in rest.rstrip(")").split(",") if x.strip().isdigit()) if rest else ()
    base = base.strip()
    return _CANON.get(base, base), mods


def binary_compatible(old: tuple[str, tuple[int, ...]], new: tuple[str, tuple[int, ...]]) -> bool:
    """Changes PostgreSQL makes in the catalog only (no rewrite, no scan)."""
    (ob, om), (nb, nm) = old, new
    if old == new:
        return True
    if ob in ("varchar", "text") and (nb == "text" or (nb == "varchar" and (not nm or (ob == "varchar" and om
                                                                                       and nm[0] >= om[0])))):
        return True
    if ob == nb == "numeric" and om and (not nm or (len(nm) == 2 and len(om) == 2 and nm[1] == om[1]
                                                      and nm[0] >= om[0])):
        return True
    return (ob, nb) in (("cidr", "inet"), ("varbit", "varbit"))


@rule("table-rewrite-command", family="rewrites", severity="warning",
      summary="VACUUM FULL, CLUSTER, SET TABLESPACE and SET LOGGED/UNLOGGED rewrite the table under ACCESS EXCLUSIVE",
      squawk=("prefer-repack",))
def rewrite_commands(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    repack = "-- pg_repack (or pg_squeeze) rebuilds the table online, holding ACCESS EXCLUSIVE only briefly"
    if isinstance(node, ast.VacuumStmt) and node.is_vacuumcmd and has_option(node.options, "full"):
        for rel in node.rels or (None,):
            table = relname(rel.relation) if rel is not None else None
            yield Hit(f"VACUUM FULL rewrites {table or 'every table'} under ACCESS EXCLUSIVE: reads and writes wait",
                      repack, table=table, size_sensitive=table is not None, rewrites=True)
    elif isinstance(node, ast.ClusterStmt):
        table = relname(node.relation)
        yield Hit(f"CLUSTER rewrites {table or 'every clustered table'} under ACCESS EXCLUSIVE: reads and writes wait",
                  repack, table=table, size_sensitive=table is not None, rewrites=True)
    elif isinstance(node, ast.AlterTableStmt):
        table = relname(node.relation) or ""
        for cmd in node.cmds or ():
            if cmd.subtype in (AT.AT_SetTableSpace, AT.AT_SetLogged, AT.AT_SetUnLogged, AT.AT_SetAccessMethod):
                what = {AT.AT_SetTableSpace: "SET TABLESPACE copies", AT.AT_SetLogged: "SET LOGGED rewrites",
                        AT.AT_SetUnLogged: "SET UNLOGGED rewrites",
                        AT.AT_SetAccessMethod: "SET ACCESS METHOD rewrites"}[cmd.subtype]
                yield Hit(f"{what} all of {table} under ACCESS EXCLUSIVE: reads and writes wait", repack,
                          table=table, size_sensitive=True, rewrites=True)
