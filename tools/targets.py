"""Which database a command talks to: `--db`, then DBSAGE_DB, then libpq's own PG* variables.

A target is a DSN URL or the name of a connection in `dbsage.toml` (working directory first, then the user's
config dir). The DSN carries secrets, so a Target never shows it: `display` and `repr` are redacted.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbsage.tools.engines.registry import EngineName, engine_for_scheme, engine_info
from dbsage.tools.errors import ConfigError, UsageError
from dbsage.tools.redact import redact_dsn, redact_url

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Target:
    """A resolved database target. `dsn` is secret-bearing: never print it, use `display`."""

    engine: EngineName
    dsn: str = field(repr=False)
    name: str | None = None
    source: str = "--db"

    @property
    def display(self) -> str:
        if not self.dsn:
            return "postgresql (libpq defaults: PG* variables / service file)"
        # every password piece too: a malformed DSN (an unquoted space) hides less than redact_url alone
        return redact_dsn(redact_url(self.dsn), self.dsn)

    def __repr__(self) -> str:
        return f"Target(engine={self.engine!r}, display={self.display!r}, source={self.source!r})"

    def require(self, engine: EngineName, command: str) -> Target:
        """This target, when `command` supports its engine; a usage error with the next step otherwise."""
        if self.engine != engine:
            wanted, this = engine_info(engine).title, engine_info(self.engine).title
            raise UsageError(f"dbsage {command} supports {wanted} only so far; this target is {this}",
                             f"point --db at a {wanted} database")
        return self


def config_paths() -> list[Path]:
    """Config files in the order they are searched."""
    from platformdirs import user_config_dir

    return [Path.cwd() / "dbsage.toml", Path(user_config_dir("dbsage")) / "dbsage.toml"]


def load_config() -> tuple[dict[str, Any], Path | None]:
    """The first config file found, parsed; ({}, None) when there is none."""
    for path in config_paths():
        if path.is_file():
            try:
                return tomllib.loads(path.read_text(encoding="utf-8")), path
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ConfigError(f"{path} is not valid TOML: {exc}", "fix the file or move it aside") from exc
    return {}, None


def _dsn_engine(value: str) -> EngineName | None:
    """The engine a DSN names (a URL's scheme; key=value is libpq's conninfo), or None when `value` is no DSN."""
    if "://" in value:
        return engine_of(value)
    return "postgres" if "=" in value else None


def engine_of(dsn: str) -> EngineName:
    """The engine a DSN URL's scheme names (the registry's schemes); an unknown scheme is a UsageError."""
    return engine_for_scheme(dsn.split("://", 1)[0])


def _expand_env(dsn: str, where: str) -> str:
    def sub(match: re.Match[str]) -> str:
        value = os.environ.get(match[1])
        if value is None:
            raise ConfigError(f"{where} refers to ${{{match[1]}}}, which is not set", f"export {match[1]}=…")
        return value

    return _ENV_REF.sub(sub, dsn)


def _connections(config: dict[str, Any], path: Path | None) -> dict[str, Any]:
    """The [connections] table; a ConfigError when the file gives it another shape (a string, a list)."""
    connections = config.get("connections", {})
    if not isinstance(connections, dict):
        raise ConfigError(f"`connections` in {path} is not a table",
                          'write it as [connections] with lines like local = "postgresql://user@host/db"')
    return connections


def _from_config(name: str) -> Target:
    """The connection `name` from dbsage.toml; a UsageError listing the known names when there is none."""
    config, path = load_config()
    connections = _connections(config, path)
    if name not in connections:
        names = ", ".join(sorted(connections))
        known = f"known connections: {names}" if names else "no dbsage.toml defines connections"
        raise UsageError(
            f"{name!r} is neither a DSN nor a connection name ({known})",
            "pass a DSN such as postgresql://user@host/db, or add [connections.NAME] to dbsage.toml",
        )
    entry = connections[name]
    dsn = entry if isinstance(entry, str) else entry.get("dsn") if isinstance(entry, dict) else None
    if not isinstance(dsn, str):
        hint = f'add dsn = "postgresql://…" under [connections.{name}]'
        raise ConfigError(f"connection {name!r} in {path} has no dsn", hint)
    dsn = _expand_env(dsn, f"connection {name!r} in {path}")
    engine = _dsn_engine(dsn)
    if engine is None:
        raise ConfigError(f"connection {name!r} in {path} is not a DSN: it has no scheme such as postgresql://",
                          'write it as postgresql://user@host/db (or mysql://…, mongodb://…)')
    return Target(engine=engine, dsn=dsn, name=name, source=str(path))


def _from_value(value: str, source: str) -> Target:
    value = value.strip()
    engine = _dsn_engine(value)
    if engine is not None:
        return Target(engine=engine, dsn=value, source=source)
    return _from_config(value)


def resolve(db: str | None) -> Target:
    """Resolve `--db` (or its defaults) to a Target. Raises UsageError/ConfigError with what to do next."""
    if db is not None and not db.strip():  # `--db "$UNSET_VAR"`: never fall back to the defaults silently
        raise UsageError("--db is empty", "pass a DSN or a connection name, or leave --db out to use $DBSAGE_DB "
                         "or libpq's PG* variables")
    if db:
        return _from_value(db, "--db")
    env = os.environ.get("DBSAGE_DB")
    if env:
        return _from_value(env, "DBSAGE_DB")
    # Like psql: with nothing said, libpq's own defaults (PG* variables, service file, local socket).
    return Target(engine="postgres", dsn="", source="libpq defaults")
