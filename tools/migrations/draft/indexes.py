"""add-index and add-unique: build the index without blocking writes, then (unique) attach it as a constraint.

PostgreSQL: `CREATE INDEX CONCURRENTLY` outside a transaction; a partitioned table cannot be indexed concurrently,
so the parent gets an index `ON ONLY` (invalid, empty), each partition its own concurrent build, and each is
attached — the parent's index turns valid when the last one is. MySQL/MariaDB: online DDL, ALGORITHM=INPLACE with
LOCK=NONE, which the server refuses (instead of locking) when it cannot keep that promise.
"""

from __future__ import annotations

from dbsage.tools.errors import UsageError
from dbsage.tools.migrations.draft.context import DraftContext, bare_name, fragment, object_name
from dbsage.tools.migrations.draft.model import MigrationDraft, PhaseName, Step

ONLINE = "ALGORITHM=INPLACE, LOCK=NONE"
INVALID_LEFTOVER = ("If the build fails (a duplicate, a cancel) it leaves an INVALID index of this name: drop it with "
                    "DROP INDEX CONCURRENTLY before rerunning — IF NOT EXISTS would skip it.")


def index_columns(ctx: DraftContext) -> list[str]:
    if not ctx.request.columns:
        raise UsageError(f"{ctx.request.intent} needs the columns to index", "give --column (repeat it, or a,b)")
    return ctx.request.columns


def add_index(ctx: DraftContext) -> MigrationDraft:
    columns = index_columns(ctx)
    unique = ctx.request.unique
    name = ctx.request.name or object_name([ctx.request.table, *columns], "key" if unique else "idx", ctx.engine)
    ctx.claim(name, "index")
    where = fragment(ctx.request.where, "--where") if ctx.request.where else None
    if ctx.engine == "mysql":
        if where:
            raise UsageError("MySQL and MariaDB have no partial indexes", "drop --where")
        up, down = _mysql_index(ctx, name, columns, unique)
    elif ctx.partitioned:
        up, down = _pg_partitioned_index(ctx, name, columns, unique, where)
    else:
        up = [concurrent_index(ctx, name, columns, unique, where)]
        down = [drop_index_concurrently(ctx, name)]
    kind = "unique index" if unique else "index"
    return ctx.make(f"Add {kind} {name} on {ctx.request.table} ({', '.join(columns)})", up, down,
                    notes=_covered_by(ctx, columns))


def _covered_by(ctx: DraftContext, columns: list[str]) -> list[str]:
    """Existing indexes that already lead with these columns: the new one may only cost writes and space."""
    if ctx.table is None:
        return []
    wanted = [c.lower() for c in columns]
    return [f"{index.name} already starts with ({', '.join(index.columns[: len(wanted)])}): check that the new "
            "index is needed (dbsage advise weighs it against the workload)."
            for index in ctx.table.indexes if [c.lower() for c in index.columns[: len(wanted)]] == wanted]


def add_unique(ctx: DraftContext) -> MigrationDraft:
    """A UNIQUE constraint: build its index concurrently, then attach it (a brief ACCESS EXCLUSIVE, no scan)."""
    columns = index_columns(ctx)
    name = ctx.request.name or object_name([ctx.request.table, *columns], "key", ctx.engine)
    ctx.claim(name, "unique constraint")
    table = ctx.qualified(ctx.request.table)
    if ctx.engine == "mysql":
        up, down = _mysql_index(ctx, name, columns, unique=True)
        return ctx.make(f"Add unique key {name} on {ctx.request.table} ({', '.join(columns)})", up, down)
    if ctx.partitioned:
        raise UsageError("a UNIQUE constraint on a partitioned table cannot be attached from a concurrently built "
                         "index", "use add-index --unique (the index enforces uniqueness per partition key)")
    up = [
        concurrent_index(ctx, name, columns, True, None),
        ctx.lock_timeout(new_transaction=True),
        Step(sql=f"ALTER TABLE {table} ADD CONSTRAINT {ctx.ident(name)} UNIQUE USING INDEX {ctx.ident(name)}",
             comment="Turn the finished index into the constraint: no scan, only a brief ACCESS EXCLUSIVE lock."),
    ]
    down = [
        ctx.lock_timeout(),
        Step(sql=f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {ctx.ident(name)}",
             comment="Dropping the constraint drops its index too."),
    ]
    return ctx.make(f"Add unique constraint {name} on {ctx.request.table} ({', '.join(columns)})", up, down)


def concurrent_index(ctx: DraftContext, name: str, columns: list[str], unique: bool, where: str | None,
                     table: str | None = None, phase: PhaseName = "expand") -> Step:
    on = ctx.qualified(table or ctx.request.table)
    predicate = f" WHERE {where}" if where else ""
    kind = "UNIQUE INDEX" if unique else "INDEX"
    return Step(sql=f"CREATE {kind} CONCURRENTLY IF NOT EXISTS {ctx.ident(name)} ON {on} "
                    f"({ctx.idents(columns)}){predicate}",
                transactional=False, phase=phase,
                comment="CONCURRENTLY keeps reads and writes going while the index builds (two table scans, "
                        f"SHARE UPDATE EXCLUSIVE); it cannot run inside a transaction block. {INVALID_LEFTOVER}")


def drop_index_concurrently(ctx: DraftContext, name: str, phase: PhaseName = "expand") -> Step:
    schema = ctx.request.table.rpartition(".")[0]
    qualified = ctx.qualified(f"{schema}.{name}") if schema else ctx.ident(name)
    return Step(sql=f"DROP INDEX CONCURRENTLY IF EXISTS {qualified}", transactional=False,
                phase=phase,
                comment="CONCURRENTLY waits for running queries instead of blocking new ones; no transaction block.")


def _pg_partitioned_index(ctx: DraftContext, name: str, columns: list[str], unique: bool,
                          where: str | None) -> tuple[list[Step], list[Step]]:
    table = ctx.qualified(ctx.request.table)
    kind = "UNIQUE INDEX" if unique else "INDEX"
    predicate = f" WHERE {where}" if where else ""
    up = [
        ctx.lock_timeout(),
        Step(sql=f"CREATE {kind} IF NOT EXISTS {ctx.ident(name)} ON ONLY {table} ({ctx.idents(columns)}){predicate}",
             lint_ignore=["index-not-concurrent"],
             comment="A partitioned table cannot be indexed CONCURRENTLY: create the parent's index ON ONLY the "
                     "parent — empty and INVALID, so it is instant — and build each partition's below."),
    ]
    for partition in ctx.partitions:
        part_index = object_name([partition, *columns], "key" if unique else "idx", ctx.engine)
        up.append(concurrent_index(ctx, part_index, columns, unique, where, table=partition))
        up.append(Step(sql=f"ALTER INDEX {ctx.ident(name)} ATTACH PARTITION {_sibling(ctx, partition, part_index)}",
                       new_transaction=True,
                       comment=f"Attach {bare_name(partition)}'s index; the parent's index turns valid when every "
                               "partition's is attached."))
    down = [
        ctx.lock_timeout(),
        Step(sql=f"DROP INDEX IF EXISTS {_sibling(ctx, ctx.request.table, name)}",
             lint_ignore=["drop-index-not-concurrent"],
             comment="A partitioned index cannot be dropped CONCURRENTLY; dropping it drops the attached partition "
                     "indexes too, under a brief lock on each partition."),
    ]
    return up, down


def _sibling(ctx: DraftContext, table: str, index: str) -> str:
    """An index name qualified with its table's schema (indexes live in their table's schema)."""
    schema = table.rpartition(".")[0]
    return ctx.qualified(f"{schema}.{index}") if schema else ctx.ident(index)


def _mysql_index(ctx: DraftContext, name: str, columns: list[str], unique: bool) -> tuple[list[Step], list[Step]]:
    table = ctx.qualified(ctx.request.table)
    kind = "UNIQUE INDEX" if unique else "INDEX"
    up = [
        ctx.lock_timeout(),
        Step(sql=f"ALTER TABLE {table} ADD {kind} {ctx.ident(name)} ({ctx.idents(columns)}), {ONLINE}",
             comment="Online DDL: reads and writes continue while InnoDB builds the index; the server refuses "
                     "(rather than locking the table) if it cannot do this in place."),
    ]
    down = [
        ctx.lock_timeout(),
        Step(sql=f"ALTER TABLE {table} DROP INDEX {ctx.ident(name)}, {ONLINE}",
             comment="Dropping a secondary index is in place and leaves writes running."),
    ]
    return up, down
