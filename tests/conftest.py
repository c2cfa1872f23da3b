"""Fixtures: real servers started for the session, a fresh database per test module that asks for one.

No driver is mocked. PostgreSQL and MariaDB are required: the suite fails (it does not skip) when they cannot start,
because CI must exercise them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pymysql
import pytest

from servers import mariadb_server, mongo_server, postgres_cluster

# chromadb's Rust extension aborted the whole test process (SIGABRT inside dlopen) when it was first loaded late in a
# full run, after ~1,000 tests had loaded every other native extension; loaded first, it loads cleanly. The product's
# processes load far fewer extensions before it (tests/test_kb.py and bench/kb run it in a fresh process).
import chromadb.api.rust  # noqa: E402, F401  isort: skip

_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_admin_dsn() -> Iterator[str]:
    """Superuser DSN of a throwaway cluster: pg_stat_statements + pg_qualstats preloaded, hypopg available."""
    with postgres_cluster() as dsn:
        yield dsn


def with_database(dsn: str, db: str) -> str:
    return urlsplit(dsn)._replace(path=f"/{db}").geturl()


@pytest.fixture(scope="session")
def make_pg_db(pg_admin_dsn: str) -> Callable[[str], str]:
    """Create a new database from a setup script (run as superuser); return its DSN."""

    def make(setup_sql: str = "", extensions: tuple[str, ...] = ("pg_stat_statements", "hypopg")) -> str:
        name = f"t{next(_counter)}"
        with psycopg.connect(pg_admin_dsn, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        dsn = with_database(pg_admin_dsn, name)
        with psycopg.connect(dsn, autocommit=True) as conn:
            for ext in extensions:
                conn.execute(f"CREATE EXTENSION IF NOT EXISTS {ext}")
            if setup_sql:
                conn.execute(setup_sql)  # type: ignore[arg-type]
        return dsn

    return make


@pytest.fixture(scope="session")
def pg_demo_dsn(pg_admin_dsn: str) -> str:
    """DSN of the demo database `dbsage_demo` (tools/demo, small scale, workload run) on the throwaway cluster.

    Built once per session; tests that check the planted problems (checkup, explain, advisor) share it read-only.
    """
    from dbsage.tools.demo import DEMO_DATABASE
    from dbsage.tools.demo.scale import parse_scale
    from dbsage.tools.engines.postgres.demo import DemoLoader

    DemoLoader(pg_admin_dsn).ensure(parse_scale("small"))
    return with_database(pg_admin_dsn, DEMO_DATABASE)


def mysql_admin_connection(dsn: str, database: str | None = None, **options: Any) -> pymysql.connections.Connection:
    """A plain root connection (autocommit, writes allowed) for test setup, to the DSN's server and database."""
    parts = urlsplit(dsn)
    return pymysql.connect(host=parts.hostname, port=parts.port, user="root",
                           database=database or parts.path.lstrip("/") or None, autocommit=True, **options)


@pytest.fixture(scope="session")
def mysql_admin_dsn() -> Iterator[str]:
    """root DSN of a throwaway MariaDB server with performance_schema ON."""
    with mariadb_server() as dsn:
        yield dsn


@pytest.fixture(scope="session")
def make_mysql_db(mysql_admin_dsn: str) -> Callable[[str], str]:
    """Create a new MariaDB database from a setup script (statements separated by ';' at line ends)."""

    def make(setup_sql: str = "") -> str:
        name = f"t{next(_counter)}"
        conn = mysql_admin_connection(mysql_admin_dsn, client_flag=1 << 16)
        try:
            with conn.cursor() as cur:
                cur.execute(f"CREATE DATABASE {name}")
                cur.execute(f"USE {name}")
                if setup_sql.strip():
                    cur.execute(setup_sql)  # CLIENT.MULTI_STATEMENTS is on for setup scripts only
                    while cur.nextset():
                        pass
        finally:
            conn.close()
        return with_database(mysql_admin_dsn, name)

    return make


@pytest.fixture(scope="session")
def mongo_uri() -> Iterator[str]:
    """URI of a throwaway SecantusDB server (MongoDB wire protocol)."""
    with mongo_server() as uri:
        yield uri


@pytest.fixture(autouse=True)
def _apart_from_the_developers_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test (and any `dbsage` subprocess it starts) neither reads the developer's model settings (`ask` would
    call a real endpoint) nor writes transcripts or proposals into their state dir. Tests that want a model set
    these to the local stub; tests that look at the state dir point DBSAGE_STATE_DIR at their own folder."""
    for var in ("DBSAGE_MODEL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "DBSAGE_MODEL_TIMEOUT", "DBSAGE_STATE_DB"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DBSAGE_STATE_DIR", str(tmp_path / "dbsage-state"))
