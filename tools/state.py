"""Where dbsage keeps its own files, and who is using it: one place for every front end and store.

The state dir holds the proposals database and the transcripts. It is `platformdirs.user_state_dir("dbsage")`,
or DBSAGE_STATE_DIR when set (tests point it at a temporary folder). `current_user()` is the OS login that signs a
person's decisions (approve, reject, export).
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Any


def state_dir() -> Path:
    """The folder for dbsage's own data; created by whoever writes into it."""
    override = os.environ.get("DBSAGE_STATE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_state_dir

    return Path(user_state_dir("dbsage"))


def current_user() -> str:
    """The OS login name, or `uid N` where the system has no name for the user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (container without passwd entry)
        return f"uid {os.getuid()}"


def state_db_dsn() -> str | None:
    """Where a team keeps one shared proposals queue: DBSAGE_STATE_DB, else `[state] dsn` in dbsage.toml (a
    PostgreSQL DSN; `${VAR}` references are expanded). None: the SQLite file in the state dir."""
    value = os.environ.get("DBSAGE_STATE_DB", "").strip()
    if value:
        return value
    from dbsage.tools.errors import ConfigError
    from dbsage.tools.targets import _expand_env, load_config

    config, path = load_config()
    section = config.get("state", {})
    dsn = section.get("dsn") if isinstance(section, dict) else None
    if dsn is None:
        return None
    if not isinstance(dsn, str) or "://" not in dsn:
        raise ConfigError(f"[state] dsn in {path} is not a DSN", 'write it as dsn = "postgresql://user@host/db"')
    return _expand_env(dsn, f"[state] dsn in {path}")


def connect_state_db(dsn: str) -> Any:
    """A connection to the shared state database `dsn` that speaks like sqlite3 (tools/engines/postgres/statedb.py);
    only PostgreSQL holds a shared store."""
    from dbsage.tools.engines.registry import engine_for_scheme
    from dbsage.tools.errors import ConfigError

    if engine_for_scheme(dsn.split("://", 1)[0]) != "postgres":
        raise ConfigError("the shared proposals store must be a PostgreSQL database",
                          "point [state] dsn / DBSAGE_STATE_DB at postgresql://…, or leave it out for the SQLite file")
    from dbsage.tools.engines.postgres.statedb import connect_state

    return connect_state(dsn)
