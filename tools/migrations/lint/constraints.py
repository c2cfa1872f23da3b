"""Constraint rules: validation that scans a table under a strong lock, NOT NULL added the slow way, required
columns that fail on a table with rows, and domain constraints."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast, enums

from dbsage.tools.migrations.lint.postgres_parse import deparse, relname
from dbsage.tools.migrations.lint.rules import Hit, Parsed, rule
from dbsage.tools.migrations.lint.state import MigrationState, bare

AT, CT = enums.AlterTableType, enums.ConstrType


def _alter_cmds(p: Parsed, *subtypes: Any) -> Iterator[tuple[str, Any]]:
    node = p.node
    if isinstance(node, ast.AlterTableStmt):
        for cmd in node.cmds or ():
            if isinstance(cmd, ast.AlterTableCmd) and cmd.subtype in subtypes:
                yield relname(node.relation) or "", cmd


@rule("constraint-validates-at-once", family="constraints", severity="warning",
      summary="ADD FOREIGN KEY / CHECK without NOT VALID scans the whole table under the constraint's lock",
      squawk=("constraint-missing-not-valid", "adding-foreign-key-constraint"), kb="constraints-not-valid")
def validates_at_once(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    for table, cmd in _alter_cmds(p, AT.AT_AddConstraint):
        con = cmd.def_
        if not isinstance(con, ast.Constraint) or con.contype not in (CT.CONSTR_FOREIGN, CT.CONSTR_CHECK):
            continue
        if con.skip_validation:
            continue
        fk = con.contype == CT.CONSTR_FOREIGN
        name = con.conname or "new_constraint"
        body = deparse(con)
        rewrite = (f"ALTER TABLE {table} ADD {body} NOT VALID;\n"
                   "-- later, in its own transaction (takes only SHARE UPDATE EXCLUSIVE):\n"
                   f"ALTER TABLE {table} VALIDATE CONSTRAINT {name};")
        lock = "SHARE ROW EXCLUSIVE" if fk else "ACCESS EXCLUSIVE"
        what = f"checks every row of {table} against {relname(con.pktable)}" if fk else f"checks every row of {table}"
        yield Hit(f"ADD {'FOREIGN KEY' if fk else 'CHECK'} without NOT VALID {what} while holding {lock}"
                  f"{' on both tables' if fk else ''}: writes wait for the whole scan",
                  rewrite, table=table, size_sensitive=True, lock=lock, scans=True)


@rule("set-not-null-scans", family="constraints", severity="warning",
      summary="SET NOT NULL scans the table under ACCESS EXCLUSIVE unless a validated CHECK proves it",
      squawk=("adding-not-nullable-field",), kb="constraints-not-null")
def set_not_null(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    for table, cmd in _alter_cmds(p, AT.AT_SetNotNull):
        column = (cmd.name or "").lower()
        if (bare(table), column) in state.proven_not_null and state.at_least(12):
            continue
        check = f"{bare(table)}_{column}_not_null"
        rewrite = (f"ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID;\n"
                   f"ALTER TABLE {table} VALIDATE CONSTRAINT {check};  -- own transaction, no write lock\n"
                   f"ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL;  -- 12+: no scan, the CHECK proves it\n"
                   f"ALTER TABLE {table} DROP CONSTRAINT {check};")
        if not state.at_least(12):
            rewrite = f"-- before PostgreSQL 12 keep the validated CHECK instead of SET NOT NULL\n{rewrite}"
        yield Hit(f"SET NOT NULL on {table}.{column} reads every row while holding ACCESS EXCLUSIVE: reads and "
                  "writes wait for the scan", rewrite, table=table, size_sensitive=True, scans=True)


def _column_constraints(col: Any) -> set[Any]:
    return {c.contype for c in col.constraints or () if isinstance(c, ast.Constraint)}


@rule("add-column-required", family="constraints", severity="error",
      summary="ADD COLUMN … NOT NULL without a DEFAULT fails on a table that has rows",
      squawk=("adding-required-field",))
def add_required(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    for table, cmd in _alter_cmds(p, AT.AT_AddColumn):
        col = cmd.def_
        kinds = _column_constraints(col)
        if (CT.CONSTR_NOTNULL not in kinds and not col.is_not_null) or kinds & {CT.CONSTR_DEFAULT,
                                                                                 CT.CONSTR_IDENTITY,
                                                                                 CT.CONSTR_GENERATED}:
            continue
        if state.is_new(table) or _serial(col):
            continue
        facts = state.facts(table)
        if facts is not None and facts.rows == 0:
            continue
        name = col.colname
        yield Hit(f"ADD COLUMN {name} NOT NULL without a DEFAULT fails with an error as soon as {table} has a row",
                  f"ALTER TABLE {table} ADD COLUMN {name} {deparse(col.typeName)};\n"
                  f"-- backfill {name} in batches, then add NOT NULL the safe way (CHECK … NOT VALID, VALIDATE,"
                  f" SET NOT NULL)\n-- or, when one value fits every row: ADD COLUMN {name} … NOT NULL"
                  " DEFAULT <constant>",
                  table=table)


def _serial(col: Any) -> bool:
    names = [n.sval for n in col.typeName.names] if col.typeName else []
    return bool(names) and names[-1].lower() in ("serial", "bigserial", "smallserial", "serial4", "serial8")


@rule("domain-constraint-validates", family="constraints", severity="warning",
      summary="ALTER DOMAIN … ADD CONSTRAINT checks every column of that domain in every table",
      squawk=("ban-alter-domain-with-add-constraint",))
def alter_domain(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    if isinstance(node, ast.AlterDomainStmt) and node.subtype == "C" and isinstance(node.def_, ast.Constraint) \
            and not node.def_.skip_validation:
        domain = ".".join(str(n.sval) for n in node.typeName or ())
        yield Hit(f"ALTER DOMAIN {domain} ADD CONSTRAINT checks every stored value of the domain, in every table "
                  "that uses it, while blocking writes to them",
                  f"ALTER DOMAIN {domain} ADD {deparse(node.def_)} NOT VALID;\n"
                  f"ALTER DOMAIN {domain} VALIDATE CONSTRAINT {node.def_.conname or '<name>'};", scans=True)


@rule("domain-with-constraint", family="constraints", severity="info",
      summary="a CHECK on a domain is hard to change later (every use revalidates)",
      squawk=("ban-create-domain-with-constraint",))
def create_domain(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    if isinstance(node, ast.CreateDomainStmt) and any(
            isinstance(c, ast.Constraint) and c.contype == CT.CONSTR_CHECK for c in node.constraints or ()):
        yield Hit("a CHECK on a domain is revalidated against every table that uses the domain whenever it changes; "
                  "a table CHECK constraint is easier to evolve", "-- put the CHECK on the table columns instead")


@rule("drop-not-null", family="constraints", severity="info",
      summary="DROP NOT NULL lets NULLs in that readers may not expect",
      squawk=("ban-drop-not-null",))
def drop_not_null(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    for table, cmd in _alter_cmds(p, AT.AT_DropNotNull):
        if not state.is_new(table):
            yield Hit(f"after DROP NOT NULL, {table}.{cmd.name} may hold NULLs that application code and reports "
                      "do not expect (the change itself is instant)", "")
