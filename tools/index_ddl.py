"""PostgreSQL's CREATE INDEX as dbsage writes it — advice, check fixes, proposals and exported migrations all take it
from here, so every statement is one the server accepts as written.

A plain table: `CREATE INDEX CONCURRENTLY` (reads and writes go on while it builds). PostgreSQL refuses CONCURRENTLY
on a partitioned table, so there: the parent's index `ON ONLY` the parent (instant, empty and INVALID), then each
partition's own `CREATE INDEX CONCURRENTLY` and `ALTER INDEX parent_idx ATTACH PARTITION part_idx`; the parent's
index turns valid when the last partition's is attached. A partition that is itself partitioned gets the same, one
level down. Without the partition list (no live catalog) the only statement that works is a plain CREATE INDEX on the
parent, which blocks writes to every partition while it builds: it is written that way, and said so.

Names: a partition's index is the parent index's name with the partition's name in place of the parent's, cut to
63 bytes with a hash suffix when longer (the way IndexCandidate names its own).
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

_PLAIN_IDENT = re.compile(r"^[a-z_][a-z0-9_$]*$")
MAX_IDENT = 63  # NAMEDATALEN - 1


def quote_ident(name: str) -> str:
    """Quote an identifier only when PostgreSQL needs it (keeps the DDL readable): not a plain lower-case name, or
    a reserved word (a table called `order` or `user` is `ON public."order"`)."""
    from pglast.keywords import RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

    plain = _PLAIN_IDENT.match(name) and name not in RESERVED_KEYWORDS and name not in TYPE_FUNC_NAME_KEYWORDS
    return name if plain else '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Relation:
    """A table or partition by schema and name; `partitioned` for a partitioned table (relkind p)."""

    schema: str
    name: str
    partitioned: bool = False
    foreign: bool = False

    @property
    def qualified(self) -> str:
        return f"{quote_ident(self.schema)}.{quote_ident(self.name)}"

    def index(self, name: str) -> str:
        """An index of this relation, qualified: indexes live in their table's schema."""
        return f"{quote_ident(self.schema)}.{quote_ident(name)}"


Partitions = Mapping[tuple[str, str], Sequence[Relation]]
"""(schema, name) of a partitioned table → its direct partitions, from the live catalog."""


@dataclass
class IndexDDL:
    """The statements that build an index (`up`) and remove it (`down`), in order, each ending with `;`."""

    up: list[str]
    down: list[str]
    locking: bool = False
    notes: list[str] = field(default_factory=list)

    def up_sql(self) -> str:
        """The notes as SQL comments (wrapped: a fix is read in a terminal too), then the statements."""
        comments = [f"-- {line}" for note in self.notes for line in textwrap.wrap(note, 100, break_long_words=False,
                                                                                 break_on_hyphens=False)]
        return "\n".join([*comments, *self.up])

    def down_sql(self) -> str:
        return "\n".join(self.down)


def fit_name(name: str, salt: str = "") -> str:
    """`name` as an identifier of at most 63 bytes: longer names keep their start and get a hash of the whole."""
    if len(name.encode()) <= MAX_IDENT:
        return name
    digest = hashlib.sha1((name + salt).encode()).hexdigest()[:8]
    head = name.encode()[: MAX_IDENT - 9].decode(errors="ignore")
    return f"{head}_{digest}"


def partition_index_name(index_name: str, parent: Relation, partition: Relation) -> str:
    """The partition's index: the parent's table name in the index name swapped for the partition's."""
    if index_name.startswith(parent.name):
        name = partition.name + index_name[len(parent.name):]
    else:
        name = f"{partition.name}_{index_name}"
    return fit_name(name, salt=f"{partition.schema}.{partition.name}")


def create_index(name: str, table: Relation, spec: str, *, unique: bool = False,
                 partitions: Partitions | None = None, if_not_exists: bool = True) -> IndexDDL:
    """Up and down for index `name` on `table`. `spec` is what follows the table: `[USING m] (keys) [INCLUDE (…)]
    [WHERE …]`. `partitions` (the live catalog's partition tree) is needed for a partitioned table; without it the
    DDL is a plain, locking CREATE INDEX, with a note that says so. `if_not_exists=False` spells a plain table's
    CREATE without IF NOT EXISTS (so a leftover INVALID index of that name is an error, not silently kept); the
    partitioned steps always carry it, so that a partition already indexed under that name is attached as is."""
    kind = "UNIQUE INDEX" if unique else "INDEX"
    if not table.partitioned:
        return IndexDDL(
            up=[f"CREATE {kind} CONCURRENTLY {'IF NOT EXISTS ' if if_not_exists else ''}{quote_ident(name)} "
                f"ON {table.qualified} {spec};"],
            down=[f"DROP INDEX CONCURRENTLY IF EXISTS {table.index(name)};"],
        )
    down = [f"DROP INDEX IF EXISTS {table.index(name)};"]
    drop_note = ("the down step drops the partitioned index and every partition's attached index at once "
                 "(a brief ACCESS EXCLUSIVE lock on each; PostgreSQL cannot drop a partitioned index CONCURRENTLY)")
    if partitions is None:
        return IndexDDL(
            up=[f"CREATE {kind} IF NOT EXISTS {quote_ident(name)} ON {table.qualified} {spec};"],
            down=down, locking=True,
            notes=[f"LOCKS WRITES: {table.qualified} is partitioned and its partitions were not read, so this is a "
                   "plain CREATE INDEX (PostgreSQL refuses CONCURRENTLY on a partitioned table); it blocks inserts, "
                   "updates and deletes on every partition until it finishes. Run dbsage against the live database "
                   "for the non-blocking steps (ON ONLY + CONCURRENTLY per partition + ATTACH PARTITION).",
                   drop_note],
        )
    up: list[str] = []
    skipped: list[str] = []
    _partitioned_steps(name, table, spec, kind, partitions, up, skipped)
    notes = [f"{table.qualified} is partitioned (PostgreSQL refuses CREATE INDEX CONCURRENTLY on it): the parent's "
             "index is created ON ONLY the parent (instant, invalid until complete), each partition's is built "
             "CONCURRENTLY and attached; the parent's index is valid once the last one is attached.", drop_note]
    if skipped:
        notes.append(f"foreign-table partitions cannot be indexed ({', '.join(skipped)}): the parent's index stays "
                     "INVALID; the planner still uses each other partition's own index")
    return IndexDDL(up=up, down=down, notes=notes)


def complete_partitioned_index(name: str, table: Relation, spec: str, partitions: Partitions,
                               attached: set[tuple[str, str]], unique: bool = False) -> list[str]:
    """The steps that make an existing INVALID partitioned index valid: build and attach an index on each partition
    in `attached`'s complement (partitions that already have one attached are left alone)."""
    up: list[str] = []
    _partitioned_steps(name, table, spec, "UNIQUE INDEX" if unique else "INDEX", partitions, up, [],
                       create_parent=False, attached=attached)
    return up


def _partitioned_steps(name: str, table: Relation, spec: str, kind: str, partitions: Partitions, up: list[str],
                       skipped: list[str], create_parent: bool = True,
                       attached: set[tuple[str, str]] | None = None) -> None:
    if create_parent:
        up.append(f"CREATE {kind} IF NOT EXISTS {quote_ident(name)} ON ONLY {table.qualified} {spec};")
    for partition in partitions.get((table.schema, table.name), ()):
        if attached and (partition.schema, partition.name) in attached:
            continue
        if partition.foreign:
            skipped.append(partition.qualified)
            continue
        child = partition_index_name(name, table, partition)
        if partition.partitioned:
            _partitioned_steps(child, partition, spec, kind, partitions, up, skipped)
        else:
            up.append(f"CREATE {kind} CONCURRENTLY IF NOT EXISTS {quote_ident(child)} ON {partition.qualified} "
                      f"{spec};")
        up.append(f"ALTER INDEX {table.index(name)} ATTACH PARTITION {partition.index(child)};")


_ON_TABLE = re.compile(r' ON (?:ONLY )?(?:"(?:[^"]|"")*"|[^\s".]+)\.(?:"(?:[^"]|"")*"|[^\s".]+) ')


def spec_of_definition(definition: str) -> str | None:
    """What follows the table in pg_get_indexdef's `CREATE INDEX name ON [ONLY] schema.table USING …`."""
    found = _ON_TABLE.search(definition)
    return definition[found.end():].strip() if found else None


def spec_of(body: str, qualified_table: str) -> str:
    """What follows the table in an `ON table …` index body (IndexCandidate.body())."""
    prefix = f"ON {qualified_table}"
    if not body.startswith(prefix):
        raise ValueError(f"index body does not start with {prefix!r}: {body!r}")
    return body[len(prefix):].strip()
