"""Throwaway database servers for the test suite: real PostgreSQL and MariaDB, in a temp dir, on free ports.

We start our own instances instead of changing the machine's servers: PostgreSQL needs pg_stat_statements (and
pg_qualstats) preloaded, which needs a restart; MariaDB needs performance_schema ON, which is OFF by default.
Servers refuse to run as root, so when the tests run as root the data directory belongs to the server's system user
(postgres / mysql) and the server runs as that user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_user(user: str) -> list[str]:
    """Prefix a command so it runs as `user` when we are root (servers refuse root)."""
    return ["runuser", "-u", user, "--"] if os.geteuid() == 0 else []


def _own(path: Path, user: str) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def postgres_bindir() -> Path | None:
    found = os.environ.get("DBSAGE_TEST_PG_BINDIR")
    if found:
        return Path(found)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


@contextlib.contextmanager
def postgres_cluster(preload: str = "pg_stat_statements,pg_qualstats") -> Iterator[str]:
    """Yield a DSN to a fresh PostgreSQL cluster; stop and remove it afterwards."""
    bindir = postgres_bindir()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb): install postgresql or set DBSAGE_TEST_PG_BINDIR")
    root = Path(tempfile.mkdtemp(prefix="dbsage-pg-"))
    root.chmod(0o755)
    data = root / "data"
    data.mkdir()
    _own(data, "postgres")
    port = free_port()
    run_as = _as_user("postgres")
    try:
        subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                        "-E", "UTF8", "--no-sync"], check=True, capture_output=True)
        settings = {
            "port": port, "listen_addresses": "'127.0.0.1'", "unix_socket_directories": f"'{data}'",
            "shared_preload_libraries": f"'{preload}'", "fsync": "off", "synchronous_commit": "off",
            "full_page_writes": "off", "max_connections": 60, "track_io_timing": "on",
            "pg_stat_statements.track": "all",
        }
        with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w",
                        "-t", "60", "start"], check=True, capture_output=True)
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def mariadb_server(performance_schema: bool = True) -> Iterator[str]:
    """Yield a DSN to a fresh MariaDB server (performance_schema ON unless told otherwise); stop and remove it
    afterwards."""
    mariadbd = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
    install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
    if not os.path.exists(mariadbd) or install is None:
        raise RuntimeError("no MariaDB server binaries found; apt-get install mariadb-server")
    root = Path(tempfile.mkdtemp(prefix="dbsage-maria-"))
    root.chmod(0o755)
    data = root / "data"
    data.mkdir()
    _own(data, "mysql")
    port = free_port()
    sock = data / "mysqld.sock"
    tmp = root / "tmp"  # its own tmpdir: a shared /tmp once failed a temp-table delete under load
    tmp.mkdir()
    _own(tmp, "mysql")
    user_args = ["--user=mysql"] if os.geteuid() == 0 else []
    subprocess.run([install, "--no-defaults", f"--datadir={data}", *user_args,
                    "--auth-root-authentication-method=normal", "--skip-test-db"], check=True, capture_output=True)
    command = [mariadbd, "--no-defaults", f"--datadir={data}", f"--port={port}", f"--socket={sock}",
               "--bind-address=127.0.0.1", f"--performance-schema={'ON' if performance_schema else 'OFF'}",
               "--skip-log-bin", "--innodb-buffer-pool-size=64M",
               "--innodb-flush-log-at-trx-commit=0", f"--pid-file={data / 'mysqld.pid'}", f"--tmpdir={tmp}", *user_args]
    with _server_process(command, root, "MariaDB", ready=sock.exists):
        yield f"mysql://root@127.0.0.1:{port}/mysql"


@contextlib.contextmanager
def mongo_server() -> Iterator[str]:
    """Yield a URI to a fresh SecantusDB (a MongoDB-wire server on WiredTiger; test-only, GPL) in memory."""
    exe = shutil.which("secantusd-py") or str(Path(sys.executable).parent / "secantusd-py")
    if not os.path.exists(exe):
        raise RuntimeError("secantusd-py not found; pip install -e '.[dev]' installs SecantusDB")
    port = free_port()
    root = Path(tempfile.mkdtemp(prefix="dbsage-mongo-"))
    command = [exe, "--host", "127.0.0.1", "--port", str(port), "--storage-path", ":memory:", "--standalone",
               "--log-level", "WARNING"]
    with _server_process(command, root, "SecantusDB", ready=lambda: _accepts(port)):
        yield f"mongodb://127.0.0.1:{port}/?directConnection=true"


def _accepts(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


@contextlib.contextmanager
def _server_process(command: list[str], root: Path, what: str, ready: Callable[[], bool]) -> Iterator[None]:
    """Run a server in the foreground of a child process until the block ends; then stop it and remove `root`."""
    log = open(root / "server.log", "wb")  # noqa: SIM115 — lives as long as the server
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not ready():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start; see {root / 'server.log'}")
            time.sleep(0.1)
        yield
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=30)
        if proc.poll() is None:
            proc.kill()
        log.close()
        shutil.rmtree(root, ignore_errors=True)
