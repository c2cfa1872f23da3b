"""The proposals store's SQLite schema, applied as numbered migrations (migrations/NNNN_name.sql).

The shared store in PostgreSQL (`[state] dsn`, tools/state.py) takes the same steps (`migrate_shared`): a file in
`migrations/postgresql/` replaces the step of the same number where the two databases spell it differently (only
0001 so far); `schema_migrations` is its record, written under a transaction-level lock.

`PRAGMA user_version` holds the number of the last migration applied; `schema_migrations` records each one with
when it ran, for people reading the file. A store opened by a newer dbsage is migrated forward once, under SQLite's
write lock (BEGIN IMMEDIATE), so two processes opening it at the same moment cannot both apply a step.

To change the schema, add the next file, e.g. `migrations/0002_lint_verdict.sql` (ALTER TABLE … ADD COLUMN …);
never edit a migration that has shipped.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import Any, NamedTuple

from dbsage.tools.errors import DbsageError

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class Migration(NamedTuple):
    version: int
    name: str
    sql: str


@cache
def migrations() -> tuple[Migration, ...]:
    """Every migration shipped with this dbsage, in order; numbers run 1, 2, 3 … without a gap."""
    found = []
    for entry in files("dbsage.agent.proposals").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort()
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"proposals migrations are not numbered 1..n: {[m.version for m in found]}")
    return tuple(found)


def _statements(script: str) -> list[str]:
    """Split a migration into statements at the points SQLite itself calls complete (triggers stay whole)."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip() and not all(part.lstrip().startswith("--") for part in pending.strip().splitlines()):
        statements.append(pending.strip())
    return statements


def migrate(db: sqlite3.Connection) -> int:
    """Bring the store to the newest schema; return its version. `db` must be in autocommit mode."""
    latest = len(migrations())
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version == latest:
        return version
    db.execute("BEGIN IMMEDIATE")
    try:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])  # another process may have moved it
        if version > latest:
            raise DbsageError(f"the proposals store is at schema {version}; this dbsage knows up to {latest}",
                              "upgrade dbsage, or point DBSAGE_STATE_DIR at another folder")
        db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                   "applied_at TEXT NOT NULL)")
        for migration in migrations()[version:]:
            for statement in _statements(migration.sql):
                db.execute(statement)
            db.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                       (migration.version, migration.name, datetime.now(UTC).isoformat(timespec="seconds")))
            db.execute(f"PRAGMA user_version = {migration.version}")  # a number we made: safe to inline
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return latest


@cache
def shared_migrations() -> tuple[Migration, ...]:
    """The migrations for the shared (PostgreSQL) store: the same steps, with its own spelling where one differs."""
    folder = files("dbsage.agent.proposals").joinpath("migrations").joinpath("postgresql")
    own = {int(m[1]): entry.read_text(encoding="utf-8") for entry in folder.iterdir()
           if (m := _NAME.match(entry.name))}
    return tuple(m._replace(sql=own.get(m.version, m.sql)) for m in migrations())


def migrate_shared(db: Any) -> int:
    """Bring the shared store (a tools.state.connect_state_db connection) to the newest schema; return its version."""
    latest = len(shared_migrations())
    with db:  # the usual case first, with no DDL at all: a role that may only file proposals opens the store too
        known = db.execute("SELECT to_regclass('schema_migrations') IS NOT NULL AS made").fetchone()["made"]
        if known and db.execute("SELECT max(version) AS v FROM schema_migrations").fetchone()["v"] == latest:
            return latest
    with db:
        db.execute("BEGIN IMMEDIATE")  # one process migrates; the others wait and then find it done
        db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                   "applied_at TEXT NOT NULL)")
        done = {int(row["version"]) for row in db.execute("SELECT version FROM schema_migrations").fetchall()}
        if done and max(done) > latest:
            raise DbsageError(f"the shared proposals store is at schema {max(done)}; this dbsage knows up to {latest}",
                              "upgrade dbsage on this machine: the team's store is newer")
        for migration in shared_migrations():
            if migration.version in done:
                continue
            for statement in _statements(migration.sql):
                db.execute(statement)
            db.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                       (migration.version, migration.name, datetime.now(UTC).isoformat(timespec="seconds")))
    return latest
