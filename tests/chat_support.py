"""Helpers for the chat front ends' tests: a shop database, driving the app with the pilot, waiting for it, and the
MCP server fixture (`server`, imported as mcp_server_fixture) over the requesting module's `dsn`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from textual.pilot import Pilot
from textual.widgets import Markdown

from dbsage.agent.toolkit import ToolContext
from dbsage.tools.targets import resolve

SHOP = """
CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int REFERENCES customers(id), total numeric);
INSERT INTO customers SELECT g, 'c' || g || '@x' FROM generate_series(1, 300) g;
INSERT INTO orders SELECT g, 1 + g % 300, g FROM generate_series(1, 2000) g;
ANALYZE;
"""
# Billions of rows: it runs until the statement timeout unless someone stops it (a plain read the guard allows).
SLOW_SQL = "SELECT count(*) FROM orders a, orders b, orders c"


async def until(pilot: Pilot[Any], condition: Callable[[], bool], timeout_s: float = 15.0, what: str = "") -> None:
    """Let the app run until `condition` holds; fail with `what` after the timeout."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.05)


async def ready(pilot: Pilot[Any]) -> None:
    """Connected, the schema tree and the header filled in."""
    app: Any = pilot.app
    await until(pilot, lambda: app.session is not None and app.database != "" and app.server[0] != "…",
                what="the chat to connect")
    await pilot.pause(0.1)


async def submit(pilot: Pilot[Any], text: str, *, wait: bool = True) -> None:
    """Type `text` into the prompt (set at once: typing key by key is slow) and press Enter."""
    app: Any = pilot.app
    prompt = app.query_one("#prompt")
    prompt.focus()
    prompt.value = text
    await pilot.press("enter")
    if wait:
        await until(pilot, lambda: not app.busy, what=f"the answer to {text!r}")
        await pilot.pause(0.1)


def answers(app: Any) -> list[str]:
    """The markdown source of every answer in the conversation, in order."""
    return [m.source for m in app.query("#conversation Markdown.answer").results(Markdown)]


def notes(app: Any, kind: str = "") -> list[str]:
    return [str(n.content) for n in app.query(f"#conversation Note{'.' + kind if kind else ''}")]


def running_dbsage_statements(dsn: str) -> int:
    """dbsage's active statements on the test database, from the server's own view (pg_stat_activity)."""
    base, _, database = dsn.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state = 'active' "
                           "AND application_name = 'dbsage'", (database,)).fetchone()
    return int(row[0]) if row else 0


async def wait_in_thread(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await asyncio.to_thread(condition):
            return True
        await asyncio.sleep(0.05)
    return False


@pytest.fixture(name="server")
def mcp_server_fixture(dsn: str, tmp_path, monkeypatch):
    """The MCP server over the module's `dsn`, its state in tmp_path (import it into the test module to use it)."""
    from dbsage.agent.mcp.server import build_server

    monkeypatch.setenv("DBSAGE_STATE_DIR", str(tmp_path))
    ctx = ToolContext(resolve(dsn), origin="mcp")
    yield build_server(ctx)
    ctx.close()
