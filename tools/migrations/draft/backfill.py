"""backfill: set a column on existing rows in small committed batches, walking the key, safe to stop and rerun.

One UPDATE of a whole table holds every row lock to the end, bloats the table at once and stalls replicas. Here each
batch is a key range (`key BETWEEN lo AND hi`, found through the key's index), committed on its own; rows that are
already done are skipped by the filter (`col IS NULL` unless --where says otherwise), so a rerun after a stop or a
failure picks up where it left off. PostgreSQL: a DO block that COMMITs per batch (PG 11+, outside a transaction);
MySQL/MariaDB: a temporary procedure (each UPDATE commits under autocommit).
"""

from __future__ import annotations

from dbsage.tools.errors import UsageError
from dbsage.tools.migrations.draft.context import DraftContext, fragment, object_name
from dbsage.tools.migrations.draft.model import MigrationDraft, PhaseName, Step


def backfill(ctx: DraftContext) -> MigrationDraft:
    if len(ctx.request.columns) != 1:
        raise UsageError("backfill takes exactly one column", "give --column once, and --set with its value")
    column = ctx.request.columns[0]
    value = fragment(ctx.request.set_expr, "--set")
    up = backfill_steps(ctx, column, value, filter_sql=_filter(ctx, column))
    notes = ["A backfill changes data, not the schema: its down does nothing (restore from a backup if the old "
             "values matter)."]
    return ctx.make(f"Backfill {ctx.request.table}.{column} in batches of {ctx.request.batch_size}", up, [],
                    notes=notes)


def _filter(ctx: DraftContext, column: str) -> str:
    if ctx.request.where:
        return fragment(ctx.request.where, "--where")
    return f"{ctx.ident(column)} IS NULL"


def key_column(ctx: DraftContext) -> str:
    """The column batches walk: --key, else the single-column primary key read live, else `id`."""
    if ctx.request.key:
        return ctx.request.key
    pk = ctx.table.primary_key if ctx.table is not None else None
    if pk is not None and len(pk.columns) == 1:
        return pk.columns[0]
    if pk is not None:
        raise UsageError(f"{ctx.request.table}'s primary key has {len(pk.columns)} columns; batches walk one",
                         "give --key with a unique, indexed column")
    return "id"


def backfill_steps(ctx: DraftContext, column: str, value: str, filter_sql: str,
                   phase: PhaseName = "expand") -> list[Step]:
    """The batched update of `column` to `value` for rows matching `filter_sql`."""
    if ctx.engine == "mysql":
        return _mysql_steps(ctx, column, value, filter_sql, phase)
    if not ctx.server.at_least(11):
        return [_pg_single_batch(ctx, column, value, filter_sql, phase)]
    table = ctx.qualified(ctx.request.table)
    key = ctx.ident(key_column(ctx))
    size = ctx.request.batch_size
    body = f"""DO $dbsage$
DECLARE
  lo {table}.{key}%TYPE;
  hi {table}.{key}%TYPE;
BEGIN
  SELECT min({key}) INTO lo FROM {table};
  WHILE lo IS NOT NULL LOOP
    SELECT max(k) INTO hi FROM (SELECT {key} AS k FROM {table} WHERE {key} >= lo ORDER BY {key} LIMIT {size}) AS batch;
    UPDATE {table} SET {ctx.ident(column)} = {value} WHERE {key} BETWEEN lo AND hi AND ({filter_sql});
    COMMIT;
    RAISE NOTICE 'dbsage backfill: {column} done up to %', hi;
    SELECT min({key}) INTO lo FROM {table} WHERE {key} > hi;
  END LOOP;
END
$dbsage$"""
    return [Step(sql=body, transactional=False, phase=phase,
                 comment=f"Batches of {size} rows by {key_column(ctx)}, each committed (PostgreSQL 11+ lets a DO "
                         "block COMMIT when it runs outside a transaction block). Stop it any time: a rerun skips "
                         "rows already done. The loop is one statement — if the role has a statement_timeout, "
                         "raise it for this session.")]


def _pg_single_batch(ctx: DraftContext, column: str, value: str, filter_sql: str, phase: PhaseName) -> Step:
    table, key = ctx.qualified(ctx.request.table), ctx.ident(key_column(ctx))
    return Step(sql=f"UPDATE {table} SET {ctx.ident(column)} = {value} WHERE {key} IN (SELECT {key} FROM {table} "
                    f"WHERE {filter_sql} ORDER BY {key} LIMIT {ctx.request.batch_size})",
                transactional=False, phase=phase,
                comment=f"{ctx.server.label} cannot commit inside a DO block: run this one batch repeatedly (from a "
                        "script) until it updates 0 rows.")


def _mysql_steps(ctx: DraftContext, column: str, value: str, filter_sql: str, phase: PhaseName) -> list[Step]:
    table, key = ctx.qualified(ctx.request.table), ctx.ident(key_column(ctx))
    known = ctx.column(key_column(ctx))
    key_type = known.type if known is not None else "BIGINT"
    procedure = ctx.ident(object_name(["dbsage_backfill", ctx.request.table, column], "proc", ctx.engine))
    body = f"""CREATE PROCEDURE {procedure}()
BEGIN
  DECLARE lo {key_type};
  DECLARE hi {key_type};
  SELECT MIN({key}) INTO lo FROM {table};
  WHILE lo IS NOT NULL DO
    SELECT MAX(k) INTO hi FROM (SELECT {key} AS k FROM {table} WHERE {key} >= lo ORDER BY {key} LIMIT {ctx.request.batch_size}) AS batch;
    UPDATE {table} SET {ctx.ident(column)} = {value} WHERE {key} BETWEEN lo AND hi AND ({filter_sql});
    COMMIT;
    SET lo = (SELECT MIN({key}) FROM {table} WHERE {key} > hi);
  END WHILE;
END"""  # noqa: E501 — the SQL reads better on one line than split to fit
    return [
        Step(sql=f"DROP PROCEDURE IF EXISTS {procedure}", phase=phase,
             comment="A leftover from a stopped run would make CREATE PROCEDURE fail."),
        Step(sql=body, phase=phase,
             comment=f"Batches of {ctx.request.batch_size} rows by {key_column(ctx)}, each committed; a rerun "
                     "skips rows already done."),
        Step(sql=f"CALL {procedure}()", phase=phase, comment="Run the batches."),
        Step(sql=f"DROP PROCEDURE IF EXISTS {procedure}", phase=phase, comment="Leave nothing behind."),
    ]
