"""The write login for `dbsage proposals apply`, kept apart from the read-only one: `--write-db` is either a DSN, or
the name of a connection whose `write_dsn` is set in dbsage.toml:

    [connections.prod]
    dsn = "postgresql://dbsage_ro@db/app"          # everything else dbsage does
    write_dsn = "postgresql://migrator@db/app"     # proposals apply, and nothing else

A connection without `write_dsn` is refused: dbsage never applies with the read login, and never reads with this one
(the live lint before applying uses the connection's `dsn`, or `--db`).
"""

from __future__ import annotations

from dbsage.tools.errors import ConfigError, UsageError
from dbsage.tools.targets import Target, _dsn_engine, _expand_env, load_config, resolve


def write_target(value: str) -> Target:
    value = value.strip()
    if not value:
        raise UsageError("--write-db is empty", "pass the write login's DSN or a connection name with write_dsn")
    engine = _dsn_engine(value)
    if engine is not None:
        return Target(engine=engine, dsn=value, source="--write-db")
    config, path = load_config()
    entry = (config.get("connections") or {}).get(value)
    if entry is None:
        raise UsageError(f"--write-db {value!r} is neither a DSN nor a connection in dbsage.toml",
                         f"add write_dsn under [connections.{value}], or pass a DSN")
    dsn = entry.get("write_dsn") if isinstance(entry, dict) else None
    if not isinstance(dsn, str) or not dsn.strip():
        raise ConfigError(f"connection {value!r} in {path} has no write_dsn: dbsage does not apply with the "
                          "read-only login", f'add write_dsn = "postgresql://migrator@…" under [connections.{value}]')
    dsn = _expand_env(dsn, f"write_dsn of connection {value!r} in {path}")
    engine = _dsn_engine(dsn)
    if engine is None:
        raise ConfigError(f"write_dsn of connection {value!r} in {path} is not a DSN",
                          "write it as postgresql://user@host/db")
    return Target(engine=engine, dsn=dsn, name=value, source=f"{path} (write_dsn)")


def read_target_for(write_db: str, db: str | None) -> Target | None:
    """The read-only login the live lint uses: `--db`, else the `dsn` of the connection --write-db names; None when
    there is none (a bare DSN for --write-db and no --db: the lint runs without live facts)."""
    if db:
        return resolve(db)
    if _dsn_engine(write_db.strip()) is None:
        config, _ = load_config()
        entry = (config.get("connections") or {}).get(write_db.strip())
        if isinstance(entry, str) or (isinstance(entry, dict) and entry.get("dsn")):
            return resolve(write_db.strip())
    return None
