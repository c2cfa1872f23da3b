"""add-foreign-key, add-check, set-not-null: add the rule without checking old rows, then check them apart.

PostgreSQL: `ADD CONSTRAINT … NOT VALID` takes its lock only for a moment (new rows are checked from then on);
`VALIDATE CONSTRAINT`, in its own transaction, scans under SHARE UPDATE EXCLUSIVE, which lets reads and writes go on.
SET NOT NULL (PG 12+) skips its scan when a validated `CHECK (col IS NOT NULL)` proves it. MySQL/MariaDB have no
NOT VALID: a foreign key is added in place with the checks off after an orphan check; a CHECK constraint needs a copy.
"""

from __future__ import annotations

import re

from dbsage.tools.errors import UsageError
from dbsage.tools.migrations.draft.context import DraftContext, bare_name, fragment, object_name
from dbsage.tools.migrations.draft.indexes import ONLINE, concurrent_index, drop_index_concurrently
from dbsage.tools.migrations.draft.model import MigrationDraft, PhaseName, Step

_REFERENCES = re.compile(r"^\s*([^()\s]+)\s*(?:\(([^()]*)\))?\s*$")


def not_valid_then_validate(ctx: DraftContext, name: str, definition: str, phase: PhaseName = "expand",
                            table: str | None = None) -> list[Step]:
    """ADD CONSTRAINT … NOT VALID, then VALIDATE in a transaction of its own (PostgreSQL)."""
    on = ctx.qualified(table or ctx.request.table)
    return [
        ctx.lock_timeout(phase, new_transaction=True),
        Step(sql=f"ALTER TABLE {on} ADD CONSTRAINT {ctx.ident(name)} {definition} NOT VALID", phase=phase,
             comment="NOT VALID: only new and updated rows are checked, so the lock is held for a moment, not for a "
                     "scan of the table."),
        Step(sql=f"ALTER TABLE {on} VALIDATE CONSTRAINT {ctx.ident(name)}", phase=phase, new_transaction=True,
             comment="Check the existing rows in a transaction of its own: VALIDATE holds SHARE UPDATE EXCLUSIVE, "
                     "so reads and writes continue during the scan. If it fails, fix the rows it names and rerun."),
    ]


def set_not_null_steps(ctx: DraftContext, column: str, phase: PhaseName = "expand") -> list[Step]:
    """PG 12+: a validated CHECK (col IS NOT NULL) lets SET NOT NULL skip its full scan under ACCESS EXCLUSIVE."""
    check = object_name([ctx.request.table, column], "not_null", ctx.engine)
    table = ctx.qualified(ctx.request.table)
    steps = not_valid_then_validate(ctx, check, f"CHECK ({ctx.ident(column)} IS NOT NULL)", phase)
    if not ctx.server.at_least(12):
        return steps
    return [*steps,
            ctx.lock_timeout(phase, new_transaction=True),
            Step(sql=f"ALTER TABLE {table} ALTER COLUMN {ctx.ident(column)} SET NOT NULL", phase=phase,
                 comment="PostgreSQL 12+ sees the validated CHECK and skips the scan: a brief lock only."),
            Step(sql=f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {ctx.ident(check)}", phase=phase,
                 comment="The column's NOT NULL now says the same; the helper CHECK can go.")]


def drop_not_null_steps(ctx: DraftContext, column: str, phase: PhaseName = "expand") -> list[Step]:
    table = ctx.qualified(ctx.request.table)
    if not ctx.server.at_least(12):
        check = object_name([ctx.request.table, column], "not_null", ctx.engine)
        return [ctx.lock_timeout(phase),
                Step(sql=f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {ctx.ident(check)}", phase=phase,
                     comment="Before PostgreSQL 12 the rule lives in the CHECK constraint; dropping it is instant.")]
    return [ctx.lock_timeout(phase),
            Step(sql=f"ALTER TABLE {table} ALTER COLUMN {ctx.ident(column)} DROP NOT NULL", phase=phase,
                 comment="Dropping NOT NULL only changes the catalog: a brief lock, no scan.")]


def set_not_null(ctx: DraftContext) -> MigrationDraft:
    column = _one_column(ctx)
    known = ctx.column(column)
    if known is not None and not known.nullable:
        raise UsageError(f"{ctx.request.table}.{column} is already NOT NULL", "nothing to draft")
    notes = [f"Rows with {column} IS NULL make the validation fail: backfill them first (dbsage migrate draft "
             "backfill)."]
    if ctx.engine == "mysql":
        up, down = _mysql_nullability(ctx, column, known_type=known.type if known else None)
        return ctx.make(f"Make {ctx.request.table}.{column} NOT NULL", up, down, notes=notes)
    if not ctx.server.at_least(12):
        notes.append(f"{ctx.server.label} cannot use a CHECK to skip SET NOT NULL's scan under ACCESS EXCLUSIVE: "
                     "the validated CHECK constraint enforces the rule instead (upgrade to 12+ to finish the job).")
    return ctx.make(f"Make {ctx.request.table}.{column} NOT NULL", set_not_null_steps(ctx, column),
                    drop_not_null_steps(ctx, column), notes=notes)


def _mysql_nullability(ctx: DraftContext, column: str, known_type: str | None) -> tuple[list[Step], list[Step]]:
    column_type = known_type or (fragment(ctx.request.type, "--type") if ctx.request.type else None)
    if column_type is None:
        raise UsageError("MySQL changes nullability with MODIFY COLUMN, which needs the full column type",
                         "give --db (dbsage reads it) or --type")
    table, col = ctx.qualified(ctx.request.table), ctx.ident(column)
    known = ctx.column(column)
    default = f" DEFAULT {known.default}" if known is not None and known.default is not None else ""
    up = [ctx.lock_timeout(),
          Step(sql=f"ALTER TABLE {table} MODIFY COLUMN {col} {column_type} NOT NULL{default}, {ONLINE}",
               comment="Rebuilds the table in place while reads and writes continue; fails (changing nothing) if a "
                       "row still holds NULL.")]
    down = [ctx.lock_timeout(),
            Step(sql=f"ALTER TABLE {table} MODIFY COLUMN {col} {column_type} NULL{default}, {ONLINE}",
                 comment="Allow NULL again, in place.")]
    return up, down


def add_check(ctx: DraftContext) -> MigrationDraft:
    expression = fragment(ctx.request.check, "--check")
    name = ctx.request.name or object_name([ctx.request.table, *ctx.request.columns], "check", ctx.engine)
    ctx.claim(name, "CHECK constraint")
    table = ctx.qualified(ctx.request.table)
    if ctx.engine == "mysql":
        return _mysql_check(ctx, name, expression)
    down = [ctx.lock_timeout(),
            Step(sql=f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {ctx.ident(name)}",
                 comment="Dropping a constraint is instant.")]
    return ctx.make(f"Add CHECK {name} on {ctx.request.table}",
                    not_valid_then_validate(ctx, name, f"CHECK ({expression})"), down)


def _mysql_check(ctx: DraftContext, name: str, expression: str) -> MigrationDraft:
    if ctx.server.flavor == "mysql" and not ctx.server.at_least(8, 0, 16):
        raise UsageError(f"{ctx.server.label} parses CHECK constraints but ignores them", "upgrade to 8.0.16+")
    table = ctx.qualified(ctx.request.table)
    up = [ctx.lock_timeout(),
          Step(sql=f"ALTER TABLE {table} ADD CONSTRAINT {ctx.ident(name)} CHECK ({expression}), "
                   "ALGORITHM=COPY, LOCK=SHARED",
               comment="MySQL and MariaDB can only add a CHECK by copying the table; LOCK=SHARED keeps reads going "
                       "but blocks writes for the whole copy.")]
    down = [ctx.lock_timeout(),
            Step(sql=f"ALTER TABLE {table} DROP CONSTRAINT {ctx.ident(name)}",
                 comment="Dropping a CHECK constraint changes only the table definition.")]
    notes = ["There is no online way to add a CHECK on MySQL/MariaDB: on a large or busy table run it with "
             "gh-ost or pt-online-schema-change instead, or enforce the rule in the application."]
    return ctx.make(f"Add CHECK {name} on {ctx.request.table}", up, down, notes=notes)


def add_foreign_key(ctx: DraftContext) -> MigrationDraft:
    columns = ctx.request.columns
    if not columns:
        raise UsageError("add-foreign-key needs the referencing columns", "give --column")
    ref_table, ref_columns = parse_references(ctx)
    name = ctx.request.name or object_name([ctx.request.table, *columns], "fkey", ctx.engine)
    _refuse_existing_foreign_key(ctx, columns, ref_table)
    ctx.claim(name, "foreign key")
    definition = (f"FOREIGN KEY ({ctx.idents(columns)}) REFERENCES {ctx.qualified(ref_table)} "
                  f"({ctx.idents(ref_columns)})")
    index = None if _has_leading_index(ctx, columns) else object_name([ctx.request.table, *columns], "idx",
                                                                       ctx.engine)
    if ctx.engine == "mysql":
        up, down = _mysql_foreign_key(ctx, name, definition, index, columns, ref_table, ref_columns)
    else:
        if ctx.partitioned:
            raise UsageError("PostgreSQL cannot add a NOT VALID foreign key to a partitioned table",
                             "add it to each partition (draft add-foreign-key per partition), then to the parent")
        up = [concurrent_index(ctx, index, columns, False, None)] if index else []
        up += not_valid_then_validate(ctx, name, definition)
        down = [ctx.lock_timeout(),
                Step(sql=f"ALTER TABLE {ctx.qualified(ctx.request.table)} DROP CONSTRAINT IF EXISTS "
                         f"{ctx.ident(name)}", comment="Dropping the foreign key is instant.")]
        down += [drop_index_concurrently(ctx, index)] if index else []
    notes = [] if ctx.live or index is None else [
        f"Without --db dbsage cannot see whether {ctx.request.table} already has an index on "
        f"({', '.join(columns)}); the draft creates {index} (IF NOT EXISTS) — drop that step if one exists."]
    return ctx.make(f"Add foreign key {name}: {ctx.request.table} ({', '.join(columns)}) → {ref_table}", up, down,
                    notes=notes)


def _mysql_foreign_key(ctx: DraftContext, name: str, definition: str, index: str | None, columns: list[str],
                       ref_table: str, ref_columns: list[str]) -> tuple[list[Step], list[Step]]:
    table = ctx.qualified(ctx.request.table)
    join = " AND ".join(f"r.{ctx.ident(rc)} = c.{ctx.ident(cc)}" for cc, rc in zip(columns, ref_columns, strict=True))
    orphans = (f"SELECT count(*) FROM {table} c WHERE {ctx.ident(columns[0])} IS NOT NULL AND NOT EXISTS "
               f"(SELECT 1 FROM {ctx.qualified(ref_table)} r WHERE {join})")
    up: list[Step] = [ctx.lock_timeout()]
    if index:
        up.append(Step(sql=f"ALTER TABLE {table} ADD INDEX {ctx.ident(index)} ({ctx.idents(columns)}), {ONLINE}",
                       comment="The key needs an index; building it first, online, keeps the ALTER below in place."))
    up += [
        Step(sql="SET SESSION foreign_key_checks = 0",
             comment=f"InnoDB adds a foreign key in place only with the checks off — so existing rows are NOT "
                     f"checked. Before this migration, this must return 0: {orphans}"),
        Step(sql=f"ALTER TABLE {table} ADD CONSTRAINT {ctx.ident(name)} {definition}, {ONLINE}",
             comment="In place: no table copy, reads and writes continue."),
        Step(sql="SET SESSION foreign_key_checks = 1", comment="Checks back on for the rest of this session."),
    ]
    down = [ctx.lock_timeout(),
            Step(sql=f"ALTER TABLE {table} DROP FOREIGN KEY {ctx.ident(name)}, {ONLINE}",
                 comment="Dropping a foreign key is in place.")]
    if index:
        down.append(Step(sql=f"ALTER TABLE {table} DROP INDEX {ctx.ident(index)}, {ONLINE}",
                         comment="The index this migration added."))
    return up, down


def parse_references(ctx: DraftContext) -> tuple[str, list[str]]:
    """`customers(id)` or `customers` (its primary key, read live, else `id`)."""
    text = ctx.request.references
    if not (text or "").strip():
        raise UsageError(f"{ctx.request.intent} needs --references: the table (and columns) the key points at",
                         "add e.g. --references customers(id)")
    match = _REFERENCES.match(text or "")
    if match is None:
        raise UsageError(f"cannot read --references {text!r}", "give it as table(column), e.g. customers(id)")
    table = match[1]
    if match[2]:
        return table, [c.strip() for c in match[2].split(",") if c.strip()]
    target = next((t for t in ctx.tables if t.name.lower() == bare_name(table).lower()), None)
    if target is not None and target.primary_key is not None:
        return table, target.primary_key.columns
    return table, ["id"]


def _refuse_existing_foreign_key(ctx: DraftContext, columns: list[str], ref_table: str) -> None:
    if ctx.table is None:
        return
    wanted = [c.lower() for c in columns]
    for constraint in ctx.table.constraints:
        if constraint.kind == "foreign key" and [c.lower() for c in constraint.columns] == wanted and \
                bare_name(constraint.references_table or "").lower() == bare_name(ref_table).lower():
            raise UsageError(f"{ctx.request.table} ({', '.join(columns)}) already references "
                             f"{constraint.references_table} through {constraint.name}",
                             "nothing to draft; dbsage schema TABLE shows its definition")


def _has_leading_index(ctx: DraftContext, columns: list[str]) -> bool:
    if ctx.table is None:
        return False
    wanted = [c.lower() for c in columns]
    return any([c.lower() for c in index.columns[: len(wanted)]] == wanted for index in ctx.table.indexes)


def _one_column(ctx: DraftContext) -> str:
    if len(ctx.request.columns) != 1:
        raise UsageError(f"{ctx.request.intent} takes exactly one column", "give --column once")
    return ctx.request.columns[0]
