"""Every failure reaches every front end as a typed error with a message and a hint that fits that front end: a
connection the server dropped (pg_terminate_backend from another connection, idle or mid-statement), a statement
timeout, a wait for a pooled connection, a model endpoint that answers with an HTML page. Real PostgreSQL, the
official MCP SDK client, the real `dbsage ask` CLI; the HTML endpoint is a local HTTP server."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import pytest
from mcp import Client

from dbsage.agent.mcp.server import build_server
from dbsage.agent.toolkit import ToolContext
from dbsage.tools.engines.limits import SessionLimits
from dbsage.tools.targets import resolve

SLOW = "SELECT count(*) FROM generate_series(1, 40000000) g"  # far longer than the limits these tests set
PAGE = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Corporate proxy: sign in</body></html>"


@pytest.fixture(scope="module")
def dsn(make_pg_db) -> str:
    return make_pg_db("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100); ANALYZE;")


def _database(dsn: str) -> str:
    return dsn.rsplit("/", 1)[1].split("?")[0]


def _terminate(dsn: str, *, active: bool) -> int:
    """pg_terminate_backend on dbsage's sessions in this database (those running a statement, or all the others),
    from another (superuser) connection; waits up to 5 s for one to exist."""
    state = "state = 'active'" if active else "state IS DISTINCT FROM 'active'"
    deadline = time.monotonic() + 5
    with psycopg.connect(dsn, autocommit=True) as admin:
        while True:
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'dbsage' "
                f"AND datname = %s AND {state} AND pid <> pg_backend_pid()", (_database(dsn),)).fetchall()
            if rows or time.monotonic() > deadline:
                return len(rows)
            time.sleep(0.05)


def _wait_for_active(dsn: str, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(dsn, autocommit=True) as admin:
        while time.monotonic() < deadline:
            row = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dbsage' AND "
                                "datname = %s AND state = 'active' AND (query LIKE '%%generate_series%%' OR query LIKE "
                                "'%%dbsage_guarded%%')",  # the rows come by FETCH from a server-side cursor
                                (_database(dsn),)).fetchone()
            if row and row[0]:
                return
            time.sleep(0.05)
    raise AssertionError("dbsage's statement never showed up as active")


def _context(dsn: str, **limits: int) -> ToolContext:
    return ToolContext(resolve(dsn), origin="mcp", limits=SessionLimits(**limits) if limits else None)


async def test_a_connection_dropped_while_idle_is_replaced_and_the_call_goes_on(dsn: str) -> None:
    ctx = _context(dsn)
    try:
        async with Client(build_server(ctx)) as client:
            assert not (await client.call_tool("run_query", {"sql": "SELECT 1"})).is_error
            assert _terminate(dsn, active=False) >= 1
            started = time.monotonic()
            again = await client.call_tool("run_query", {"sql": "SELECT count(*) FROM t"})
            elapsed = time.monotonic() - started
    finally:
        ctx.close()
    assert not again.is_error, again.content[0].text
    assert again.structured_content["rows"] == [[100]]
    assert elapsed < 3, f"the call after the drop took {elapsed:.1f} s"


async def test_a_connection_dropped_mid_statement_is_a_typed_error_and_the_next_call_reconnects(dsn: str) -> None:
    ctx = _context(dsn, statement_timeout_ms=60_000)
    killer = threading.Thread(target=lambda: (_wait_for_active(dsn), _terminate(dsn, active=True)))
    try:
        async with Client(build_server(ctx)) as client:
            killer.start()
            lost = await client.call_tool("run_query", {"sql": SLOW})
            killer.join()
            after = await client.call_tool("run_query", {"sql": "SELECT count(*) FROM t"})
    finally:
        ctx.close()
    text = lost.content[0].text
    assert lost.is_error and "[ConnectionLost]" in text and "was lost during the call" in text
    assert "terminating connection due to administrator command" in text  # the server's own words
    assert "hint: call again" in text and "--timeout" not in text and "max_connections" not in text
    assert not after.is_error and after.structured_content["rows"] == [[100]]


async def test_a_statement_timeout_is_typed_with_an_mcp_hint(dsn: str) -> None:
    ctx = _context(dsn, statement_timeout_ms=300)
    try:
        async with Client(build_server(ctx)) as client:
            timed_out = await client.call_tool("run_query", {"sql": SLOW})
    finally:
        ctx.close()
    text = timed_out.content[0].text
    assert timed_out.is_error and "[StatementTimeout]" in text and "statement timeout" in text
    assert "hint: narrow the statement" in text
    assert "--timeout" not in text and "doctor" not in text


async def test_a_call_that_cannot_get_a_connection_says_how_long_it_waited(dsn: str) -> None:
    ctx = _context(dsn, pool_size=1, connect_timeout_s=1, statement_timeout_ms=8_000)
    try:
        async with Client(build_server(ctx)) as client:
            slow = asyncio.create_task(client.call_tool("run_query", {"sql": SLOW}))
            await asyncio.to_thread(_wait_for_active, dsn)
            waited = await client.call_tool("run_query", {"sql": "SELECT 1"})
            ctx.cancel()
            await slow
    finally:
        ctx.close()
    text = waited.content[0].text
    assert waited.is_error and "[PoolExhausted]" in text
    assert "all 1 of dbsage's connections" in text and "waited 2." in text
    assert "max_connections" not in text and "fewer in parallel" in text


async def test_ten_concurrent_callers_are_served_without_waiting_out_the_pool(dsn: str) -> None:
    ctx = _context(dsn)
    sql = "SELECT count(*) FROM generate_series(1, 300000) g"
    try:
        async with Client(build_server(ctx)) as client:
            started = time.monotonic()
            results = await asyncio.gather(*(client.call_tool("run_query", {"sql": sql}) for _ in range(10)))
            elapsed = time.monotonic() - started
            pool_size = ctx.engine.pool_size
            with psycopg.connect(dsn, autocommit=True) as admin:  # one pool, not one per concurrent first call
                held = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dbsage' AND "
                                     "datname = %s", (_database(dsn),)).fetchone()
    finally:
        ctx.close()
    assert held is not None and held[0] <= pool_size
    assert all(not r.is_error for r in results), [r.content[0].text for r in results if r.is_error]
    assert elapsed < 10
    with psycopg.connect(dsn, autocommit=True) as admin:
        row = admin.execute("SELECT current_setting('max_connections')::int - "
                            "current_setting('superuser_reserved_connections')::int").fetchone()
    assert row is not None and 1 <= pool_size <= min(10, row[0] // 4)


# -- a model endpoint that answers with an HTML page -----------------------------------------------------------------


@pytest.fixture
def html_endpoint() -> Iterator[str]:
    class Page(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def _ask(dsn: str, endpoint: str, *args: str) -> subprocess.CompletedProcess[str]:
    dbsage = Path(sys.executable).with_name("dbsage")
    env = {**os.environ, "DBSAGE_MODEL": "stub-model", "OPENAI_BASE_URL": endpoint, "OPENAI_API_KEY": "sk-x"}
    return subprocess.run([str(dbsage), "ask", "how many rows are in t?", "--db", dsn, *args], capture_output=True,
                          text=True, timeout=120, env=env)


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_an_html_endpoint_is_a_typed_error_in_ask(dsn: str, html_endpoint: str, fmt: str) -> None:
    done = _ask(dsn, html_endpoint, "--format", fmt)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "did not answer like a chat-completions API (it sent" in done.stderr
    assert "OPENAI_BASE_URL" in done.stderr
    if fmt == "json":
        document = json.loads(done.stdout)
        assert document["error_type"] == "ModelServerError" and "chat-completions API" in document["error"]
        assert "OPENAI_BASE_URL" in document["hint"]


async def test_an_html_endpoint_is_a_typed_error_in_mcp_ask(dsn: str, html_endpoint: str, monkeypatch) -> None:
    monkeypatch.setenv("DBSAGE_MODEL", "stub-model")
    monkeypatch.setenv("OPENAI_BASE_URL", html_endpoint)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    ctx = _context(dsn)
    try:
        async with Client(build_server(ctx)) as client:
            asked = await client.call_tool("ask", {"question": "how many rows are in t?"})
    finally:
        ctx.close()
    text = asked.content[0].text
    assert asked.is_error and "[ModelServerError]" in text and "chat-completions API" in text
    assert "Traceback" not in text and "hint: check OPENAI_BASE_URL" in text


async def test_a_mariadb_statement_timeout_is_typed_too(make_mysql_db) -> None:
    dsn = make_mysql_db("CREATE TABLE n (i int PRIMARY KEY); INSERT INTO n SELECT seq FROM seq_1_to_2000;")
    ctx = _context(dsn, statement_timeout_ms=300)
    try:
        async with Client(build_server(ctx)) as client:
            timed_out = await client.call_tool("run_query", {"sql": "SELECT count(*) FROM n a, n b, n c"})
    finally:
        ctx.close()
    text = timed_out.content[0].text
    assert timed_out.is_error and "[StatementTimeout]" in text and "time limit" in text
    assert "hint: narrow the statement" in text and "--timeout" not in text


def _kill_mariadb_sessions(admin_dsn: str, database: str, *, running: bool) -> int:
    """KILL dbsage's connections to `database` (those running a statement, or the idle ones), from another
    connection; waits up to 20 s for one."""
    from conftest import mysql_admin_connection

    deadline = time.monotonic() + 20
    with mysql_admin_connection(admin_dsn) as admin, admin.cursor() as cur:
        while True:
            cur.execute("SELECT id, command, info FROM information_schema.processlist WHERE db = %s "
                        "AND id <> CONNECTION_ID()", (database,))
            ids = [row[0] for row in cur.fetchall() if (row[1] == "Query") == running]
            for pid in ids:
                cur.execute(f"KILL {int(pid)}")
            if ids or time.monotonic() > deadline:
                return len(ids)
            time.sleep(0.05)


async def test_a_mariadb_connection_killed_idle_or_mid_statement(make_mysql_db, mysql_admin_dsn) -> None:
    dsn = make_mysql_db("CREATE TABLE n (i int PRIMARY KEY); INSERT INTO n SELECT seq FROM seq_1_to_2000;")
    database = dsn.rsplit("/", 1)[1].split("?")[0]
    ctx = _context(dsn, statement_timeout_ms=60_000)
    killer = threading.Thread(target=_kill_mariadb_sessions, args=(mysql_admin_dsn, database), kwargs={"running": True})
    try:
        async with Client(build_server(ctx)) as client:
            assert not (await client.call_tool("run_query", {"sql": "SELECT 1"})).is_error
            assert _kill_mariadb_sessions(mysql_admin_dsn, database, running=False) >= 1
            after_idle = await client.call_tool("run_query", {"sql": "SELECT count(*) FROM n"})
            killer.start()
            lost = await client.call_tool("run_query", {"sql": "SELECT count(*) FROM n a, n b, n c"})
            killer.join()
            again = await client.call_tool("run_query", {"sql": "SELECT count(*) FROM n"})
    finally:
        ctx.close()
    assert not after_idle.is_error and after_idle.structured_content["rows"] == [[2000]]
    text = lost.content[0].text
    assert lost.is_error and "[ConnectionLost]" in text and "was lost during the" in text, text
    assert "hint: call again" in text
    assert not again.is_error and again.structured_content["rows"] == [[2000]]


def test_a_missing_package_inside_a_tool_is_one_line_saying_what_to_install(dsn: str) -> None:
    from dbsage.agent.toolkit import call

    class WithoutDriver(ToolContext):
        @property
        def engine(self):  # what a trimmed installation would raise on first use
            raise ModuleNotFoundError("No module named 'psycopg_pool'", name="psycopg_pool")

    outcome = call(WithoutDriver(resolve(dsn)), "list_objects", {})
    assert not outcome.ok and outcome.error_type == "ConfigError"
    assert outcome.error == "the Python package 'psycopg-pool' is not installed (needed by this command)"
    assert outcome.hint and outcome.hint.startswith("pip install psycopg-pool")
