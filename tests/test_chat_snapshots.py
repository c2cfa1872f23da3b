"""SVG snapshots of the chat's main screens (pytest-textual-snapshot), compared with the committed ones in
__snapshots__/. After a deliberate change of the look, review the new pictures and accept them with
`.venv/bin/pytest tests/test_chat_snapshots.py --snapshot-update`.

Everything on screen is made deterministic: a database with a fixed name reached through a named connection (no
port in the header), a scripted model, proposals with a fixed time, the server's major version only."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import with_database
from langchain_core.messages import AIMessage

from chat_support import SHOP, ready, submit, until
from dbsage.agent.proposals import ProposalDraft, ProposalStore
from dbsage.agent.tui.app import ChatApp
from dbsage.agent.tui.screens import ProposalScreen
from dbsage.tools.targets import resolve
from fakes_llm import ScriptedChatModel, tool_call

SIZE = (120, 36)
ANSWER = """The plan reads every row of **orders** (a sequential scan): there is no index on `customer_id`.

```sql
CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);
```

I filed nothing yet: say so and I will file it as a proposal."""


@pytest.fixture(scope="module")
def snapshot_dsn(pg_admin_dsn: str) -> str:
    """The shop database under a fixed name, so the header reads the same on every run."""
    with psycopg.connect(pg_admin_dsn, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS chat_snapshots")
        conn.execute("CREATE DATABASE chat_snapshots")
    dsn = with_database(pg_admin_dsn, "chat_snapshots")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(SHOP)  # type: ignore[arg-type]
    return dsn


@pytest.fixture
def shop(snapshot_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    (tmp_path / "dbsage.toml").write_text(f'[connections]\nshop = "{snapshot_dsn}"\n')
    return resolve("shop")


def _pending_proposal() -> ProposalStore:
    store = ProposalStore()
    store.create(ProposalDraft(
        title="index orders by customer", engine="postgres", target="shop",
        up_sql="CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);",
        down_sql="DROP INDEX CONCURRENTLY orders_customer_idx;", estimated_benefit="planner cost 42 → 8",
        rationale="orders.customer_id is a foreign key without an index: every lookup by customer scans the table."),
        by="dbsage chat")
    with sqlite3.connect(store.path) as db:  # a fixed time, so the picture does not change with the clock
        db.execute("UPDATE proposals SET created_at = '2026-12-01T09:30:00+00:00'")
        db.execute("UPDATE audit SET at = '2026-12-01T09:30:00+00:00'")
    return store


async def _steady(pilot: Any) -> None:
    """Connected, and the prompt's cursor not blinking (a blink would make two runs differ)."""
    await ready(pilot)
    pilot.app.query_one("#prompt").cursor_blink = False
    # The header names the server's version; its minor part (15.19, 15.20 …) follows the machine's packages, so the
    # pictures show the major version only.
    server, login, read_only = pilot.app.server
    pilot.app.server = (re.sub(r"(\d+)\.\d+", r"\1", server), login, read_only)
    pilot.app._header()
    await pilot.pause(0.1)


def test_main_screen_after_an_answer_with_a_tool_call(shop: Any, snap_compare: Any) -> None:
    model = ScriptedChatModel([tool_call("explain_query", {"sql": "SELECT * FROM orders WHERE customer_id = 7"}),
                               AIMessage(content=ANSWER)])

    async def run_before(pilot: Any) -> None:
        await _steady(pilot)
        await submit(pilot, "why is SELECT * FROM orders WHERE customer_id = 7 slow?")

    assert snap_compare(ChatApp(shop, chat_model=model), terminal_size=SIZE, run_before=run_before)


def test_main_screen_without_a_model_in_the_light_theme(shop: Any, snap_compare: Any) -> None:
    _pending_proposal()

    async def run_before(pilot: Any) -> None:
        await _steady(pilot)
        await submit(pilot, "describe table customers")
        await pilot.press("f8")
        await pilot.pause(0.2)

    assert snap_compare(ChatApp(shop, use_model=False), terminal_size=SIZE, run_before=run_before)


def test_proposal_screen(shop: Any, snap_compare: Any) -> None:
    store = _pending_proposal()

    async def run_before(pilot: Any) -> None:
        await _steady(pilot)
        await pilot.press("f3", "enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, ProposalScreen), what="the proposal screen")
        await pilot.pause(0.3)

    assert snap_compare(ChatApp(shop, use_model=False, store=store), terminal_size=SIZE, run_before=run_before)
