"""add-column and drop-column.

add-column — PostgreSQL 11+ stores a non-volatile default in the catalog, so `ADD COLUMN … DEFAULT x NOT NULL` is
instant; a volatile default (random(), gen_random_uuid(), clock_timestamp() …) or an older server would rewrite the
table, so the column is added nullable, the default set for new rows, old rows backfilled in batches and NOT NULL
added through a validated CHECK. MySQL 8.0.12+ / MariaDB 10.3.2+: ALGORITHM=INSTANT.

drop-column — the application stops using the column first (expand: drop NOT NULL so code that no longer writes it
can still insert), then the column goes (contract). Its down adds the column back empty: the data is gone.
"""

from __future__ import annotations

import re

from dbsage.tools.errors import UsageError
from dbsage.tools.migrations.draft.backfill import backfill_steps
from dbsage.tools.migrations.draft.constraints import drop_not_null_steps, set_not_null_steps
from dbsage.tools.migrations.draft.context import DraftContext, fragment
from dbsage.tools.migrations.draft.indexes import ONLINE
from dbsage.tools.migrations.draft.model import MigrationDraft, PhaseName, Step
from dbsage.tools.schema import Column

DROP = ["drop-column"]
# Why a drop here does not break running code: it is the contract phase (after the application steps) or the undo of
# this migration's own addition (the release that used it is rolled back first).
ON_PURPOSE = "On purpose: code stopped using it first (the application steps, or the rollback of the release)."

_VOLATILE = re.compile(r"\b(random|gen_random_uuid|uuid_generate_v\w+|clock_timestamp|timeofday|nextval|"
                       r"txid_current|setseed)\s*\(", re.IGNORECASE)


def add_column(ctx: DraftContext) -> MigrationDraft:
    column = _one_column(ctx)
    if ctx.column(column) is not None:
        raise UsageError(f"{ctx.request.table} already has a column {column}", "choose another name")
    column_type = fragment(ctx.request.type, "--type")
    default = fragment(ctx.request.default, "--default") if ctx.request.default is not None else None
    if ctx.request.not_null and default is None:
        raise UsageError("a NOT NULL column needs a value for the rows already there",
                         "give --default, or add it nullable, backfill, then draft set-not-null")
    if ctx.engine == "mysql":
        up = [ctx.lock_timeout(), _mysql_add(ctx, column, column_type, default, ctx.request.not_null)]
    elif default is not None and (_VOLATILE.search(default) or not ctx.server.at_least(11)):
        up = _pg_add_with_backfill(ctx, column, column_type, default)
    else:
        up = [ctx.lock_timeout(), _pg_add(ctx, column, column_type, default, ctx.request.not_null)]
    down = drop_column_steps(ctx, column)
    return ctx.make(f"Add column {ctx.request.table}.{column} {column_type}", up, down)


def _pg_add(ctx: DraftContext, column: str, column_type: str, default: str | None, not_null: bool,
            phase: PhaseName = "expand") -> Step:
    clauses = (f" DEFAULT {default}" if default is not None else "") + (" NOT NULL" if not_null else "")
    why = ("The default is not volatile, so PostgreSQL 11+ keeps it in the catalog: no rewrite, only a brief lock."
           if default is not None else "A nullable column without a default changes only the catalog.")
    return Step(sql=f"ALTER TABLE {ctx.qualified(ctx.request.table)} ADD COLUMN IF NOT EXISTS {ctx.ident(column)} "
                    f"{column_type}{clauses}", phase=phase, comment=why)


def _pg_add_with_backfill(ctx: DraftContext, column: str, column_type: str, default: str) -> list[Step]:
    table, col = ctx.qualified(ctx.request.table), ctx.ident(column)
    reason = ("the default is volatile (a new value per row)" if _VOLATILE.search(default)
              else f"{ctx.server.label} rewrites the table for any default")
    steps = [
        ctx.lock_timeout(),
        Step(sql=f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {col} {column_type}",
             comment=f"Added without its default: {reason}, which would rewrite the whole table under ACCESS "
                     "EXCLUSIVE."),
        Step(sql=f"ALTER TABLE {table} ALTER COLUMN {col} SET DEFAULT {default}",
             comment="New rows get the default from now on; setting it touches no existing row."),
        *backfill_steps(ctx, column, default, f"{col} IS NULL"),
    ]
    if ctx.request.not_null:
        steps += set_not_null_steps(ctx, column)
    return steps


def _mysql_add(ctx: DraftContext, column: str, column_type: str, default: str | None, not_null: bool) -> Step:
    clauses = (" NOT NULL" if not_null else "") + (f" DEFAULT {default}" if default is not None else "")
    sql = f"ALTER TABLE {ctx.qualified(ctx.request.table)} ADD COLUMN {ctx.ident(column)} {column_type}{clauses}"
    if _instant_add(ctx):
        return Step(sql=f"{sql}, ALGORITHM=INSTANT",
                    comment=f"{ctx.server.label} adds a column at the end instantly: only the table definition "
                            "changes. The server refuses, changing nothing, if it cannot.")
    return Step(sql=f"{sql}, {ONLINE}",
                comment=f"{ctx.server.label} has no INSTANT ADD COLUMN: the table is rebuilt in place while reads "
                        "and writes continue.")


def _instant_add(ctx: DraftContext) -> bool:
    return ctx.server.at_least(10, 3, 2) if ctx.server.flavor == "mariadb" else ctx.server.at_least(8, 0, 12)


def _instant_drop(ctx: DraftContext) -> bool:
    return ctx.server.at_least(10, 4) if ctx.server.flavor == "mariadb" else ctx.server.at_least(8, 0, 29)


def drop_column_steps(ctx: DraftContext, column: str, phase: PhaseName = "expand") -> list[Step]:
    table, col = ctx.qualified(ctx.request.table), ctx.ident(column)
    if ctx.engine == "mysql":
        algorithm = "ALGORITHM=INSTANT" if _instant_drop(ctx) else ONLINE
        return [ctx.lock_timeout(phase),
                Step(sql=f"ALTER TABLE {table} DROP COLUMN {col}, {algorithm}", phase=phase, lint_ignore=DROP,
                     comment="Instant where the server can (MySQL 8.0.29+, MariaDB 10.4+), else rebuilt in place. "
                             f"{ON_PURPOSE}")]
    return [ctx.lock_timeout(phase),
            Step(sql=f"ALTER TABLE {table} DROP COLUMN IF EXISTS {col}", phase=phase, lint_ignore=DROP,
                 comment="Dropping a column only marks it dropped in the catalog: a brief lock, no rewrite. "
                         f"{ON_PURPOSE}")]


def drop_column(ctx: DraftContext) -> MigrationDraft:
    column = _one_column(ctx)
    known = ctx.column(column) or _declared(ctx, column)
    expand_up: list[Step] = []
    expand_down: list[Step] = []
    if not known.nullable:
        expand_up = _allow_null(ctx, column, known, "expand")
        expand_down = _require_null(ctx, column, known)
    contract_up = drop_column_steps(ctx, column, "contract")
    contract_down = _re_add(ctx, column, known)
    app_steps = [
        f"Remove every read and write of {ctx.request.table}.{column} from the application (ORM models and "
        "mappings, raw SQL, views, reports, ETL) and deploy it everywhere.",
        "Then run the contract phase, which drops the column.",
    ]
    notes = [f"Down adds {column} back empty: its data is not restored (take it from a backup if you need it)."]
    notes += _lost_with_column(ctx, column)
    return ctx.make(f"Drop column {ctx.request.table}.{column}", expand_up + contract_up,
                    contract_down + expand_down, app_steps=app_steps, notes=notes)


def _declared(ctx: DraftContext, column: str) -> Column:
    """The column as the options describe it, when there is no live database to read it from."""
    if not ctx.request.type:
        raise UsageError(f"dbsage needs {column}'s type to write the down migration",
                         "give --db (dbsage reads it) or --type (and --default / --not-null as it is now)")
    default = fragment(ctx.request.default, "--default") if ctx.request.default is not None else None
    return Column(name=column, type=fragment(ctx.request.type, "--type"), nullable=not ctx.request.not_null,
                  default=default)


def _allow_null(ctx: DraftContext, column: str, known: Column, phase: PhaseName) -> list[Step]:
    if ctx.engine == "postgres":
        steps = drop_not_null_steps(ctx, column, phase)
        steps[-1] = steps[-1].model_copy(update={"comment": "Code that stops writing the column must still be "
                                                            "able to insert: NOT NULL goes first (catalog only)."})
        return steps
    default = f" DEFAULT {known.default}" if known.default is not None else ""
    return [ctx.lock_timeout(phase),
            Step(sql=f"ALTER TABLE {ctx.qualified(ctx.request.table)} MODIFY COLUMN {ctx.ident(column)} "
                     f"{known.type} NULL{default}, {ONLINE}", phase=phase,
                 comment="Code that stops writing the column must still be able to insert: allow NULL first.")]


def _require_null(ctx: DraftContext, column: str, known: Column) -> list[Step]:
    if ctx.engine == "postgres":
        return set_not_null_steps(ctx, column)
    default = f" DEFAULT {known.default}" if known.default is not None else ""
    return [ctx.lock_timeout(),
            Step(sql=f"ALTER TABLE {ctx.qualified(ctx.request.table)} MODIFY COLUMN {ctx.ident(column)} "
                     f"{known.type} NOT NULL{default}, {ONLINE}",
                 comment="NOT NULL again; fails, changing nothing, if NULLs were written meanwhile.")]


def _re_add(ctx: DraftContext, column: str, known: Column) -> list[Step]:
    """Down of the drop: the column back, nullable (its NOT NULL returns with the expand phase's down)."""
    default = f" DEFAULT {known.default}" if known.default is not None else ""
    table, col = ctx.qualified(ctx.request.table), ctx.ident(column)
    if ctx.engine == "mysql":
        algorithm = "ALGORITHM=INSTANT" if _instant_add(ctx) else ONLINE
        sql = f"ALTER TABLE {table} ADD COLUMN {col} {known.type} NULL{default}, {algorithm}"
    else:
        sql = f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {col} {known.type}{default}"
    steps = [ctx.lock_timeout("contract"),
             Step(sql=sql, phase="contract", comment="The column comes back, empty (or holding its default).")]
    if ctx.engine == "postgres" and ctx.table is not None:
        steps += [Step(sql=_concurrently(index.definition), transactional=False, phase="contract",
                       comment=f"Rebuild {index.name}, which the drop took with it.")
                  for index in ctx.table.indexes
                  if index.definition and column.lower() in [c.lower() for c in index.columns]
                  and not index.backs_constraint]
    return steps


def _concurrently(definition: str) -> str:
    return re.sub(r"^CREATE (UNIQUE )?INDEX ", lambda m: f"CREATE {m[1] or ''}INDEX CONCURRENTLY ", definition)


def _lost_with_column(ctx: DraftContext, column: str) -> list[str]:
    if ctx.table is None:
        return ["Without --db dbsage cannot list the indexes and constraints the drop takes with it; down does not "
                "recreate them."]
    lost = [c.name for c in ctx.table.constraints if column.lower() in [x.lower() for x in c.columns]]
    return [f"The drop also removes constraint {name}; down does not recreate it." for name in lost]


def _one_column(ctx: DraftContext) -> str:
    if len(ctx.request.columns) != 1:
        raise UsageError(f"{ctx.request.intent} takes exactly one column", "give --column once")
    return ctx.request.columns[0]
