"""rename-column, rename-table and change-type: changes running code would notice, done as expand / contract.

rename-column: a new column kept equal to the old one by a trigger both ways (old and new code can run side by
side), backfilled in batches; the application moves to the new name; contract drops the trigger and the old column.
rename-table: the table gets its new name and a view under the old one (a one-table view is updatable, so old code
keeps reading and writing); contract drops the view.
change-type: a shadow column of the new type filled by a trigger and a batched backfill; contract swaps it in under
one brief lock. A change PostgreSQL makes without a rewrite (varchar(n) → varchar(m ≥ n) or text …) is one ALTER.
MySQL/MariaDB change a type with MODIFY … ALGORITHM=INPLACE, LOCK=NONE, which the server refuses when it would copy.
"""

from __future__ import annotations

import re

from dbsage.tools.errors import UsageError
from dbsage.tools.migrations.draft.backfill import backfill_steps
from dbsage.tools.migrations.draft.columns import DROP, ON_PURPOSE
from dbsage.tools.migrations.draft.constraints import (
    not_valid_then_validate,
    set_not_null_steps,
)
from dbsage.tools.migrations.draft.context import DraftContext, bare_name, fragment, object_name
from dbsage.tools.migrations.draft.indexes import ONLINE
from dbsage.tools.migrations.draft.model import MigrationDraft, PhaseName, Step
from dbsage.tools.schema import Column


def _column_facts(ctx: DraftContext, column: str) -> Column:
    """The column as it is: read live, else described by the options (rename-column only)."""
    known = ctx.column(column)
    if known is not None:
        return known
    if ctx.request.intent == "change-type":
        raise UsageError(f"dbsage needs {column}'s current type to write the down migration", "give --db")
    if not ctx.request.type:
        raise UsageError(f"dbsage needs {column}'s type to create the new column",
                         "give --db (dbsage reads it) or --type (and --default / --not-null as it is now)")
    default = fragment(ctx.request.default, "--default") if ctx.request.default is not None else None
    return Column(name=column, type=fragment(ctx.request.type, "--type"), nullable=not ctx.request.not_null,
                  default=default)


def _one_column(ctx: DraftContext) -> str:
    if len(ctx.request.columns) != 1:
        raise UsageError(f"{ctx.request.intent} takes exactly one column", "give --column once")
    return ctx.request.columns[0]


# -- PostgreSQL sync triggers ---------------------------------------------------------------------------------------

def _trigger_steps(ctx: DraftContext, name: str, body: str, phase: PhaseName) -> list[Step]:
    """A plpgsql trigger function and its BEFORE INSERT OR UPDATE trigger, named `name`."""
    execute = "FUNCTION" if ctx.server.at_least(11) else "PROCEDURE"
    function = _qualified_sibling(ctx, name)
    return [
        Step(sql=f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $dbsage$\nBEGIN\n"
                 f"{body}\n  RETURN NEW;\nEND\n$dbsage$", phase=phase,
             comment="Keeps the two columns equal on every write, whichever one the code sets."),
        Step(sql=f"CREATE TRIGGER {ctx.ident(name)} BEFORE INSERT OR UPDATE ON {ctx.qualified(ctx.request.table)} "
                 f"FOR EACH ROW EXECUTE {execute} {function}()", phase=phase,
             comment="A trigger takes SHARE ROW EXCLUSIVE for a moment (under the lock timeout above)."),
    ]


def _drop_trigger_steps(ctx: DraftContext, name: str, phase: PhaseName) -> list[Step]:
    return [
        Step(sql=f"DROP TRIGGER IF EXISTS {ctx.ident(name)} ON {ctx.qualified(ctx.request.table)}", phase=phase,
             comment="The columns no longer need to be kept in step."),
        Step(sql=f"DROP FUNCTION IF EXISTS {_qualified_sibling(ctx, name)}()", phase=phase,
             lint_ignore=["drop-object"], comment="Its trigger function goes with it: only the trigger used it."),
    ]


def _qualified_sibling(ctx: DraftContext, name: str) -> str:
    schema = ctx.request.table.rpartition(".")[0]
    return ctx.qualified(f"{schema}.{name}") if schema else ctx.ident(name)


def _two_way_body(ctx: DraftContext, old: str, new: str) -> str:
    o, n = ctx.ident(old), ctx.ident(new)
    # The new column has no default while both live, so on INSERT a NULL there means "this code did not set it"
    # (the old column may hold its own default, so the new column's value wins when it has one).
    return (f"  IF TG_OP = 'INSERT' THEN\n    NEW.{o} := COALESCE(NEW.{n}, NEW.{o});\n"
            f"    NEW.{n} := NEW.{o};\n"
            f"  ELSIF NEW.{o} IS DISTINCT FROM OLD.{o} THEN\n    NEW.{n} := NEW.{o};\n"
            f"  ELSIF NEW.{n} IS DISTINCT FROM OLD.{n} THEN\n    NEW.{o} := NEW.{n};\n"
            f"  ELSE\n    NEW.{n} := NEW.{o};\n  END IF;")


def _add_column(ctx: DraftContext, name: str, column_type: str, phase: PhaseName) -> Step:
    return Step(sql=f"ALTER TABLE {ctx.qualified(ctx.request.table)} ADD COLUMN {ctx.ident(name)} {column_type}",
                phase=phase, comment="Nullable and without a default: a catalog change only.")


def _set_default(ctx: DraftContext, column: str, default: str | None, phase: PhaseName) -> list[Step]:
    if default is None:
        return []
    return [Step(sql=f"ALTER TABLE {ctx.qualified(ctx.request.table)} ALTER COLUMN {ctx.ident(column)} "
                     f"SET DEFAULT {default}", phase=phase, comment="The column's default, for new rows.")]


def _drop_default(ctx: DraftContext, column: str, default: str | None, phase: PhaseName) -> list[Step]:
    if default is None:
        return []
    return [Step(sql=f"ALTER TABLE {ctx.qualified(ctx.request.table)} ALTER COLUMN {ctx.ident(column)} DROP DEFAULT",
                 phase=phase, comment="Back to the state before: no default on this column.")]


def _drop(ctx: DraftContext, column: str, phase: PhaseName) -> Step:
    return Step(sql=f"ALTER TABLE {ctx.qualified(ctx.request.table)} DROP COLUMN IF EXISTS {ctx.ident(column)}",
                phase=phase, lint_ignore=DROP,
                comment=f"Dropping a column is a catalog change: a brief lock, no rewrite. {ON_PURPOSE}")


# -- rename-column --------------------------------------------------------------------------------------------------

def rename_column(ctx: DraftContext) -> MigrationDraft:
    old = _one_column(ctx)
    new = _new_name(ctx)
    if ctx.column(new) is not None:
        raise UsageError(f"{ctx.request.table} already has a column {new}", "choose another --new-name")
    facts = _column_facts(ctx, old)
    if ctx.engine == "mysql":
        up, down = _mysql_rename_column(ctx, old, new, facts)
    else:
        up, down = _pg_rename_column(ctx, old, new, facts)
    app_steps = [
        f"Deploy application code that reads and writes {new} instead of {old} (the trigger keeps both equal, so "
        "old and new code can run side by side during the rollout).",
        f"Make sure nothing uses {old} any more: ORM mappings, raw SQL, views, reports, ETL jobs.",
        f"Then run the contract phase, which drops the trigger and {old}.",
    ]
    notes = _indexes_on(ctx, old, new)
    return ctx.make(f"Rename column {ctx.request.table}.{old} to {new} (expand/contract)", up, down,
                    app_steps=app_steps, notes=notes)


def _pg_rename_column(ctx: DraftContext, old: str, new: str, facts: Column) -> tuple[list[Step], list[Step]]:
    sync = object_name([ctx.request.table, old], "sync", ctx.engine)
    new_check = object_name([ctx.request.table, new], "not_null", ctx.engine)
    same = f"{ctx.ident(new)} IS DISTINCT FROM {ctx.ident(old)}"
    expand_up = [ctx.lock_timeout(), _add_column(ctx, new, facts.type, "expand"),
                 *_trigger_steps(ctx, sync, _two_way_body(ctx, old, new), "expand"),
                 *backfill_steps(ctx, new, ctx.ident(old), same)]
    if not facts.nullable:
        expand_up += not_valid_then_validate(ctx, new_check, f"CHECK ({ctx.ident(new)} IS NOT NULL)")
    expand_down = [ctx.lock_timeout(), *_drop_trigger_steps(ctx, sync, "expand"), _drop(ctx, new, "expand")]
    contract_up = [ctx.lock_timeout("contract", new_transaction=True)]
    if not facts.nullable:
        contract_up += _finish_not_null(ctx, new, new_check)
    contract_up += [*_set_default(ctx, new, facts.default, "contract"),
                    *_drop_trigger_steps(ctx, sync, "contract"), _drop(ctx, old, "contract")]
    contract_down = [ctx.lock_timeout("contract"), _add_column(ctx, old, facts.type, "contract"),
                     *_trigger_steps(ctx, sync, _two_way_body(ctx, old, new), "contract"),
                     *_drop_default(ctx, new, facts.default, "contract")]
    if not facts.nullable:
        contract_down += _undo_not_null(ctx, new, new_check)
    contract_down += [*backfill_steps(ctx, old, ctx.ident(new), f"{ctx.ident(old)} IS DISTINCT FROM "
                                                                f"{ctx.ident(new)}", "contract"),
                      ctx.lock_timeout("contract", new_transaction=True),
                      *_set_default(ctx, old, facts.default, "contract")]
    if not facts.nullable:
        contract_down += set_not_null_steps(ctx, old, "contract")
        contract_down += not_valid_then_validate(ctx, new_check, f"CHECK ({ctx.ident(new)} IS NOT NULL)",
                                                 "contract")
    return expand_up + contract_up, contract_down + expand_down


def _finish_not_null(ctx: DraftContext, column: str, check: str) -> list[Step]:
    """Contract: the validated CHECK lets SET NOT NULL skip its scan (PG 12+); older servers keep the CHECK."""
    if not ctx.server.at_least(12):
        return []
    table = ctx.qualified(ctx.request.table)
    return [Step(sql=f"ALTER TABLE {table} ALTER COLUMN {ctx.ident(column)} SET NOT NULL", phase="contract",
                 comment="The validated CHECK proves it: no scan."),
            Step(sql=f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {ctx.ident(check)}", phase="contract",
                 comment="NOT NULL now says the same as the helper CHECK.")]


def _undo_not_null(ctx: DraftContext, column: str, check: str) -> list[Step]:
    if not ctx.server.at_least(12):
        return []
    return [Step(sql=f"ALTER TABLE {ctx.qualified(ctx.request.table)} ALTER COLUMN {ctx.ident(column)} DROP NOT NULL",
                 phase="contract", comment="Back to the expand state, where a CHECK carries the rule.")]


def _mysql_rename_column(ctx: DraftContext, old: str, new: str, facts: Column) -> tuple[list[Step], list[Step]]:
    table = ctx.qualified(ctx.request.table)
    o, n = ctx.ident(old), ctx.ident(new)
    on_insert = ctx.ident(object_name([ctx.request.table, old], "ins", ctx.engine))
    on_update = ctx.ident(object_name([ctx.request.table, old], "upd", ctx.engine))
    default = f" DEFAULT {facts.default}" if facts.default is not None else ""

    def triggers(phase: PhaseName) -> list[Step]:
        return [
            Step(sql=f"CREATE TRIGGER {on_insert} BEFORE INSERT ON {table} FOR EACH ROW "
                     f"SET NEW.{o} = COALESCE(NEW.{n}, NEW.{o}), NEW.{n} = NEW.{o}", phase=phase,
                 comment="Whichever column an INSERT sets, both get the value."),
            Step(sql=f"CREATE TRIGGER {on_update} BEFORE UPDATE ON {table} FOR EACH ROW "
                     f"SET NEW.{n} = IF(NOT (NEW.{o} <=> OLD.{o}), NEW.{o}, IF(NOT (NEW.{n} <=> OLD.{n}), NEW.{n}, "
                     f"NEW.{o})), NEW.{o} = NEW.{n}", phase=phase,
                 comment="Whichever column an UPDATE changes, the other follows."),
        ]

    def drop_triggers(phase: PhaseName) -> list[Step]:
        return [Step(sql=f"DROP TRIGGER IF EXISTS {name}", phase=phase, comment="The sync trigger goes.")
                for name in (on_insert, on_update)]

    add_new = Step(sql=f"ALTER TABLE {table} ADD COLUMN {n} {facts.type} NULL, ALGORITHM=INSTANT",
                   comment="Instant: the table definition only.")
    expand_up = [ctx.lock_timeout(), add_new, *triggers("expand"),
                 *backfill_steps(ctx, new, o, f"NOT ({n} <=> {o})")]
    expand_down = [ctx.lock_timeout(), *drop_triggers("expand"),
                   Step(sql=f"ALTER TABLE {table} DROP COLUMN {n}, ALGORITHM=INSTANT", lint_ignore=DROP,
                        comment=f"Instant drop. {ON_PURPOSE}")]
    null = "NULL" if facts.nullable else "NOT NULL"
    contract_up = [ctx.lock_timeout("contract"),
                   Step(sql=f"ALTER TABLE {table} MODIFY COLUMN {n} {facts.type} {null}{default}, {ONLINE}",
                        phase="contract", comment="The new column takes the old one's nullability and default, in "
                                                  "place."),
                   *drop_triggers("contract"),
                   Step(sql=f"ALTER TABLE {table} DROP COLUMN {o}, ALGORITHM=INSTANT", phase="contract",
                        lint_ignore=DROP, comment=f"Nothing reads the old column any more. {ON_PURPOSE}")]
    contract_down = [ctx.lock_timeout("contract"),
                     Step(sql=f"ALTER TABLE {table} ADD COLUMN {o} {facts.type} NULL{default}, ALGORITHM=INSTANT",
                          phase="contract", comment="The old column comes back, then is refilled from the new one."),
                     Step(sql=f"ALTER TABLE {table} MODIFY COLUMN {n} {facts.type} NULL, {ONLINE}", phase="contract",
                          comment="Back to the expand state: the new column nullable, without a default."),
                     *triggers("contract"),
                     *backfill_steps(ctx, old, n, f"NOT ({o} <=> {n})", "contract")]
    if not facts.nullable:
        contract_down.append(Step(sql=f"ALTER TABLE {table} MODIFY COLUMN {o} {facts.type} NOT NULL{default}, "
                                      f"{ONLINE}", phase="contract", comment="The old column's NOT NULL, in place."))
    return expand_up + contract_up, contract_down + expand_down


def _new_name(ctx: DraftContext) -> str:
    if not ctx.request.new_name:
        raise UsageError(f"{ctx.request.intent} needs the new name", "give --new-name")
    return bare_name(ctx.request.new_name)


def _indexes_on(ctx: DraftContext, old: str, new: str) -> list[str]:
    if ctx.table is None:
        return [f"Indexes and constraints on {old} are not copied to {new}: create them (CONCURRENTLY) before the "
                "contract phase — give --db to have them listed."]
    return [f"Index {index.name} covers {old}: create its twin on {new} (CONCURRENTLY) before the contract phase."
            for index in ctx.table.indexes if old.lower() in [c.lower() for c in index.columns]]


# -- rename-table ---------------------------------------------------------------------------------------------------

def rename_table(ctx: DraftContext) -> MigrationDraft:
    new = _new_name(ctx)
    if any(t.name.lower() == new.lower() for t in ctx.tables):
        raise UsageError(f"a table or view named {new} already exists", "choose another --new-name")
    old_q = ctx.qualified(ctx.request.table)
    schema = ctx.request.table.rpartition(".")[0]
    new_q = ctx.qualified(f"{schema}.{new}" if schema else new)
    rename = ("RENAME TABLE {a} TO {b}" if ctx.engine == "mysql" else "ALTER TABLE {a} RENAME TO {b}")
    view = Step(sql=f"CREATE VIEW {old_q} AS SELECT * FROM {new_q}",
                comment="A view under the old name: a one-table view is updatable, so code that still uses the old "
                        "name keeps reading and writing.")
    drop_view = Step(sql=f"DROP VIEW IF EXISTS {old_q}", lint_ignore=["drop-object"],
                     comment=f"The old name goes. {ON_PURPOSE}")
    expand_up = [ctx.lock_timeout(),
                 Step(sql=rename.format(a=old_q, b=new_q), lint_ignore=["rename-table"],
                      comment="Renaming is a catalog change under a brief exclusive lock; the view created next "
                              "keeps the old name working."), view]
    expand_down = [ctx.lock_timeout(), drop_view,
                   Step(sql=rename.format(a=new_q, b=old_q), lint_ignore=["rename-table"],
                        comment="The table gets its old name back (the code using the new one is rolled back first)."
                        )]
    contract_up = [ctx.lock_timeout("contract"), drop_view.model_copy(update={"phase": "contract"})]
    contract_down = [ctx.lock_timeout("contract"), view.model_copy(update={"phase": "contract"})]
    app_steps = [f"Deploy application code that uses {new} instead of {ctx.request.table} (the view keeps the old "
                 "name working meanwhile).",
                 f"Make sure nothing uses {ctx.request.table} any more (ORM table names, raw SQL, reports, grants).",
                 "Then run the contract phase, which drops the view."]
    notes = ["The view's SELECT * is expanded when it is created: columns added to the table later are not visible "
             "through the old name."]
    if ctx.engine == "mysql":
        notes.append("MySQL/MariaDB commit RENAME and CREATE VIEW separately: for a moment between them the old name "
                     "does not exist.")
    return ctx.make(f"Rename table {ctx.request.table} to {new} (expand/contract)", expand_up + contract_up,
                    contract_down + expand_down, app_steps=app_steps, notes=notes)


# -- change-type ----------------------------------------------------------------------------------------------------

_VARCHAR = re.compile(r"^(?:character varying|varchar)\s*(?:\((\d+)\))?$")
_NUMERIC = re.compile(r"^(?:numeric|decimal)\s*(?:\((\d+)\s*(?:,\s*(\d+))?\))?$")


def no_rewrite(old: str, new: str) -> bool:
    """PostgreSQL changes these types in the catalog only (binary-coercible, no narrowing)."""
    a, b = old.strip().lower(), new.strip().lower()
    va, vb = _VARCHAR.match(a), _VARCHAR.match(b)
    if va and (b == "text" or (vb and (vb[1] is None or (va[1] is not None and int(vb[1]) >= int(va[1]))))):
        return True
    na, nb = _NUMERIC.match(a), _NUMERIC.match(b)
    if na and nb and na[1] and (nb[1] is None or (int(nb[1]) >= int(na[1]) and (nb[2] or "0") == (na[2] or "0"))):
        return True
    return a == b


def change_type(ctx: DraftContext) -> MigrationDraft:
    column = _one_column(ctx)
    new_type = fragment(ctx.request.type, "--type")
    facts = _column_facts(ctx, column)
    if ctx.engine == "mysql":
        return _mysql_change_type(ctx, column, facts, new_type)
    if no_rewrite(facts.type, new_type):
        return _pg_in_place(ctx, column, facts, new_type)
    up, down = _pg_shadow_swap(ctx, column, facts, new_type)
    shadow = object_name([column], "new", ctx.engine)
    app_steps = [
        f"Nothing to deploy for the swap itself: the trigger keeps {shadow} equal to {column} cast to {new_type}, "
        f"and the contract phase renames it to {column} under one brief lock.",
        f"Before contract, check every row converted: SELECT count(*) FROM {ctx.request.table} WHERE {column} IS NOT "
        f"NULL AND {shadow} IS NULL must be 0; and fix code that would write values {new_type} rejects.",
        "Then run the contract phase.",
    ]
    notes = _indexes_on(ctx, column, shadow)
    return ctx.make(f"Change {ctx.request.table}.{column} from {facts.type} to {new_type} (shadow column)", up, down,
                    app_steps=app_steps, notes=notes)


def _pg_in_place(ctx: DraftContext, column: str, facts: Column, new_type: str) -> MigrationDraft:
    table, col = ctx.qualified(ctx.request.table), ctx.ident(column)
    up = [ctx.lock_timeout(),
          Step(sql=f"ALTER TABLE {table} ALTER COLUMN {col} TYPE {new_type}", lint_ignore=["column-type-rewrite"],
               comment=f"{facts.type} → {new_type} is binary-compatible: PostgreSQL changes the catalog only, no "
                       "rewrite (a brief ACCESS EXCLUSIVE).")]
    down = [ctx.lock_timeout(),
            Step(sql=f"ALTER TABLE {table} ALTER COLUMN {col} TYPE {facts.type}", lint_ignore=["column-type-rewrite"],
                 comment="Narrowing back scans the table under ACCESS EXCLUSIVE to check every value fits: accepted "
                         "for an undo; on a big table undo with a shadow column instead.")]
    return ctx.make(f"Change {ctx.request.table}.{column} from {facts.type} to {new_type} (no rewrite)", up, down)


def _pg_shadow_swap(ctx: DraftContext, column: str, facts: Column, new_type: str) -> tuple[list[Step], list[Step]]:
    table = ctx.qualified(ctx.request.table)
    shadow = object_name([column], "new", ctx.engine)
    c, s = ctx.ident(column), ctx.ident(shadow)
    sync = object_name([ctx.request.table, column], "sync", ctx.engine)
    check = object_name([ctx.request.table, shadow], "not_null", ctx.engine)
    cast_in = f"CAST({c} AS {new_type})"
    body = f"  NEW.{s} := CAST(NEW.{c} AS {new_type});"
    expand_up = [ctx.lock_timeout(), _add_column(ctx, shadow, new_type, "expand"),
                 *_trigger_steps(ctx, sync, body, "expand"),
                 *backfill_steps(ctx, shadow, cast_in, f"{s} IS DISTINCT FROM {cast_in}")]
    if not facts.nullable:
        expand_up += not_valid_then_validate(ctx, check, f"CHECK ({s} IS NOT NULL)")
    expand_down = [ctx.lock_timeout(), *_drop_trigger_steps(ctx, sync, "expand"), _drop(ctx, shadow, "expand")]
    contract_up = [ctx.lock_timeout("contract", new_transaction=True)]
    if not facts.nullable:
        contract_up += _finish_not_null(ctx, shadow, check)
    contract_up += [*_drop_trigger_steps(ctx, sync, "contract"), _drop(ctx, column, "contract"),
                    Step(sql=f"ALTER TABLE {table} RENAME COLUMN {s} TO {c}", phase="contract",
                         lint_ignore=["rename-column"],
                         comment="In the same transaction as the drop: code never sees the column missing, and no "
                                 "code ever used the shadow's own name."),
                    *_set_default(ctx, column, facts.default, "contract")]
    contract_down = [ctx.lock_timeout("contract"), *_drop_default(ctx, column, facts.default, "contract"),
                     Step(sql=f"ALTER TABLE {table} RENAME COLUMN {c} TO {s}", phase="contract",
                          lint_ignore=["rename-column"],
                          comment="The new-type column goes back to being the shadow; the old-type column takes the "
                                  "name in the same transaction."),
                     _add_column(ctx, column, facts.type, "contract"),
                     *_trigger_steps(ctx, sync, body, "contract")]
    if not facts.nullable:
        contract_down += _undo_not_null(ctx, shadow, check)
    contract_down += [*backfill_steps(ctx, column, f"CAST({s} AS {facts.type})", f"{c} IS NULL", "contract"),
                      ctx.lock_timeout("contract", new_transaction=True),
                      *_set_default(ctx, column, facts.default, "contract")]
    if not facts.nullable:
        contract_down += set_not_null_steps(ctx, column, "contract")
        if ctx.server.at_least(12):
            contract_down += not_valid_then_validate(ctx, check, f"CHECK ({s} IS NOT NULL)", "contract")
    return expand_up + contract_up, contract_down + expand_down


def _mysql_change_type(ctx: DraftContext, column: str, facts: Column, new_type: str) -> MigrationDraft:
    table, col = ctx.qualified(ctx.request.table), ctx.ident(column)
    null = "NULL" if facts.nullable else "NOT NULL"
    default = f" DEFAULT {facts.default}" if facts.default is not None else ""
    # MariaDB 10.3+ may refuse an explicit INPLACE for a change it does instantly; NOCOPY allows both and still
    # refuses a table copy, which is the promise that matters.
    online = "ALGORITHM=NOCOPY, LOCK=NONE" if ctx.server.flavor == "mariadb" and ctx.server.at_least(10, 3) else ONLINE
    up = [ctx.lock_timeout(),
          Step(sql=f"ALTER TABLE {table} MODIFY COLUMN {col} {new_type} {null}{default}, {online}",
               comment="In place with writes running where the server can (e.g. a VARCHAR that keeps its length "
                       "prefix size); otherwise the server refuses and changes nothing.")]
    down = [ctx.lock_timeout(),
            Step(sql=f"ALTER TABLE {table} MODIFY COLUMN {col} {facts.type} {null}{default}, LOCK=SHARED",
                 comment="Back to the old type. Narrowing needs a table copy (every value is checked): LOCK=SHARED "
                         "keeps reads going while writes wait.")]
    notes = ["If the server answers that INPLACE is not supported, this change copies the table: run it with gh-ost "
             "or pt-online-schema-change instead of a plain ALTER."]
    return ctx.make(f"Change {ctx.request.table}.{column} from {facts.type} to {new_type}", up, down, notes=notes)
