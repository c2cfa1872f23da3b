"""The scratch database a rehearsal writes into: never the target, and never a database holding anything dbsage did
not put there (unless the user says `--scratch-reuse`, and then it is wiped first).

dbsage marks a scratch it has used with a database comment (MARK); a marked scratch is wiped and used again without
asking. `--scratch embedded` is a database `dbsage_rehearsal` in dbsage's own embedded PostgreSQL
(tools/embedded_postgres.py), made afresh for each rehearsal.

This module writes — to the scratch only. It is not the agent's read-only path and nothing in the agent reaches it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from dbsage.tools.errors import DatabaseError, TargetUnreachable, UsageError
from dbsage.tools.redact import redact_dsn

MARK = "dbsage rehearsal scratch: wiped and rebuilt by `dbsage migrate rehearse`"
EMBEDDED_DATABASE = "dbsage_rehearsal"
STATEMENT_TIMEOUT_MS = 120_000  # a step of a rehearsal on sampled rows; a hung step must still end
_SYSTEM_SCHEMAS = "('pg_catalog', 'information_schema', 'pg_toast')"

_CONTENTS = f"""
SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname NOT IN {_SYSTEM_SCHEMAS} AND n.nspname NOT LIKE 'pg_temp%'
           AND n.nspname NOT LIKE 'pg_toast%') AS relations,
       (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname NOT IN {_SYSTEM_SCHEMAS}
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')) AS functions,
       (SELECT count(*) FROM pg_namespace WHERE nspname NOT IN {_SYSTEM_SCHEMAS} AND nspname <> 'public'
         AND nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast%') AS schemas,
       (SELECT count(*) FROM pg_extension WHERE extname <> 'plpgsql') AS extensions,
       shobj_description((SELECT oid FROM pg_database WHERE datname = current_database()), 'pg_database') AS mark
"""


@dataclass(frozen=True)
class Identity:
    """Which server and database a connection reached: the cluster's system identifier when the login may read
    it (pg_control_system), else its port and start time."""

    system_id: str | None
    address: str
    database: str

    def same_database(self, other: Identity) -> bool:
        if self.database != other.database:
            return False
        if self.system_id and other.system_id:
            return self.system_id == other.system_id
        return self.address == other.address


def connect(dsn: str, what: str, *, autocommit: bool = True) -> psycopg.Connection[Any]:
    try:
        conn = psycopg.connect(dsn, autocommit=autocommit, connect_timeout=10, application_name="dbsage rehearse",
                               options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout=10000")
    except psycopg.Error as exc:
        raise TargetUnreachable(f"cannot connect to the {what}: {redact_dsn(str(exc), dsn).strip()}",
                                f"check the {what}'s DSN") from None
    return conn


def identity(conn: psycopg.Connection[Any]) -> Identity:
    system_id = None
    try:
        with conn.transaction():
            row = conn.execute("SELECT system_identifier::text FROM pg_control_system()").fetchone()
            system_id = row[0] if row else None
    except psycopg.Error:
        pass  # not granted to this login: fall back to the address
    # Without the identifier: the server's port and the moment its postmaster started, which a socket and a TCP
    # address to the same server share and two servers practically never do.
    row = conn.execute("SELECT 'port ' || current_setting('port') || ' started ' || pg_postmaster_start_time()::text, "
                       "current_database()").fetchone()
    assert row is not None
    return Identity(system_id=system_id, address=row[0], database=row[1])


def refuse_target(scratch: Identity, target: Identity) -> None:
    if scratch.same_database(target):
        raise UsageError(f"the scratch is the target itself (database {target.database} on the same server): a "
                         "rehearsal writes, drops and rebuilds its scratch",
                         "name another database (an empty one, or --scratch embedded)")


def prepare(conn: psycopg.Connection[Any], reuse: bool) -> bool:
    """Check what the scratch holds, wipe it when dbsage may, and mark it as dbsage's. True when it was wiped."""
    row = conn.execute(_CONTENTS).fetchone()
    assert row is not None
    relations, functions, schemas, extensions, mark = row
    holds = relations + functions + schemas + extensions
    if holds and mark != MARK and not reuse:
        raise UsageError(f"the scratch database {conn.info.dbname} is not empty ({relations} relations, {functions} "
                         f"functions, {schemas} schemas, {extensions} extensions) and dbsage did not make it",
                         "point --scratch at an empty database, or add --scratch-reuse to wipe it (everything in "
                         "it is dropped)")
    if holds:
        wipe(conn)
    conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(conn.info.dbname), sql.Literal(MARK)))
    return bool(holds)


def wipe(conn: psycopg.Connection[Any], per_transaction: int = 200) -> None:
    """Drop every relation, schema and extension (plpgsql stays) and give back an empty `public`. Tables go in
    batches: one transaction dropping thousands would run out of lock slots."""
    user = (f"n.nspname NOT IN {_SYSTEM_SCHEMAS} AND n.nspname NOT LIKE 'pg_temp%' "
            "AND n.nspname NOT LIKE 'pg_toast%'")
    try:
        while True:
            batch = conn.execute(f"SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = "
                                 f"c.relnamespace WHERE c.relkind IN ('r', 'p', 'f') AND {user} "
                                 f"AND NOT c.relispartition LIMIT {per_transaction}").fetchall()
            if not batch:
                break
            conn.execute(f"DROP TABLE IF EXISTS {', '.join(row[0] for row in batch)} CASCADE".encode())
        with conn.transaction():
            for (extension,) in conn.execute("SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'").fetchall():
                conn.execute(sql.SQL("DROP EXTENSION IF EXISTS {} CASCADE").format(sql.Identifier(extension)))
            for (schema,) in conn.execute(f"SELECT nspname FROM pg_namespace n WHERE {user}").fetchall():
                conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
            conn.execute("CREATE SCHEMA public")
    except psycopg.Error as exc:
        raise DatabaseError(f"could not wipe the scratch database: {exc}".strip(),
                            "use a scratch database this login owns") from None


def embedded_scratch() -> str:
    """A fresh `dbsage_rehearsal` database in dbsage's embedded PostgreSQL (started when it is not running)."""
    from dbsage.tools.embedded_postgres import EmbeddedPostgres

    server = EmbeddedPostgres()
    admin_dsn = server.ensure_running()
    with connect(admin_dsn, "embedded PostgreSQL") as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(EMBEDDED_DATABASE)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(EMBEDDED_DATABASE)))
    return server.dsn(EMBEDDED_DATABASE)
