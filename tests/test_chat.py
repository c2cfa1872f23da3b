"""`dbsage chat` driven headless with textual's pilot: the scripted chat model (or the local OpenAI stub, or no model
at all) and real tools on a real PostgreSQL."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from chat_support import (
    SHOP,
    SLOW_SQL,
    answers,
    notes,
    ready,
    running_dbsage_statements,
    submit,
    until,
    wait_in_thread,
)
from dbsage.agent.proposals import ProposalStore, current_user
from dbsage.agent.tui.app import ChatApp
from dbsage.agent.tui.screens import ConfirmScreen, ProposalScreen, ResultScreen
from dbsage.agent.tui.widgets import PromptInput, StatusHeader, ToolBlock
from dbsage.tools.targets import resolve
from fakes_llm import Reply, ScriptedChatModel, openai_stub, tool_call, tool_texts

SIZE = (140, 44)


@pytest.fixture(scope="module")
def shop_dsn(make_pg_db) -> str:
    return make_pg_db(SHOP)


@pytest.fixture(autouse=True)
def _no_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no dbsage.toml from the checkout; tests that want one write it here
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def _rows(messages) -> AIMessage:
    found = re.search(r"≈(\d+) rows", tool_texts(messages)[-1])
    rows = found[1] if found else "UNKNOWN"
    return AIMessage(content=f"**{rows}** rows, see:\n\n```sql\nSELECT count(*) FROM x\n```")


def _follow_up(messages) -> AIMessage:
    earlier = [call for m in messages if isinstance(m, AIMessage) for call in m.tool_calls]
    table = re.search(r"the (\w+) table", str(messages[-1].content))
    if not earlier or table is None:
        return AIMessage(content="I do not know what you mean")
    return tool_call(earlier[0]["name"], {"name": table[1]}, "call_follow_up")


async def test_a_two_turn_conversation_where_the_second_needs_the_first(shop_dsn: str) -> None:
    model = ScriptedChatModel([tool_call("describe_object", {"name": "customers"}), _rows, _follow_up, _rows])
    app = ChatApp(resolve(shop_dsn), chat_model=model)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert "model: scripted" in str(app.query_one(StatusHeader).content)
        await submit(pilot, "how many rows are in the customers table?")
        await submit(pilot, "and what about the orders table?")

        shown = answers(app)
        assert shown[-2].startswith("**300** rows") and shown[-1].startswith("**2000** rows")
        assert [m.content for m in model.seen[2] if isinstance(m, HumanMessage)] == [
            "how many rows are in the customers table?", "and what about the orders table?"]
        # the SQL of the answer is what F7 copies; the answer is what F6 copies
        await pilot.press("f7")
        assert app.clipboard == "SELECT count(*) FROM x"
        await pilot.press("f6")
        assert app.clipboard == shown[-1]
        # the up arrow brings back the earlier questions
        prompt = app.query_one(PromptInput)
        prompt.focus()
        await pilot.press("up")
        assert prompt.value == "and what about the orders table?"
        await pilot.press("up")
        assert prompt.value == "how many rows are in the customers table?"


async def test_a_tool_block_shows_the_evidence_and_the_full_result(shop_dsn: str) -> None:
    model = ScriptedChatModel([tool_call("describe_object", {"name": "orders"}), _rows])
    app = ChatApp(resolve(shop_dsn), chat_model=model)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await submit(pilot, "how big is orders?")
        block = app.query_one("#conversation ToolBlock", ToolBlock)
        assert block.outcome is not None and block.outcome.ok
        assert str(block.title).startswith("✓ describe_object(name='orders') — ")
        assert block.collapsed  # one line per call until someone opens it

        block.query_one("CollapsibleTitle").focus()
        await pilot.press("enter")
        assert not block.collapsed
        evidence = str(block.query_one(".tool-evidence").content)
        assert "≈2000 rows" in evidence and "orders_pkey" in evidence

        block.query_one(".full-result").focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ResultScreen), what="the full result")
        full = app.screen.query_one("#full-result").text
        assert '"name": "orders"' in full and '"columns"' in full
        await pilot.press("escape")
        assert not isinstance(app.screen, ResultScreen)


async def test_a_proposal_is_filed_opened_and_approved_in_the_app(shop_dsn: str) -> None:
    proposal = {"title": "index orders by customer", "up_sql": "CREATE INDEX CONCURRENTLY orders_customer_idx "
                "ON orders (customer_id);", "down_sql": "DROP INDEX CONCURRENTLY orders_customer_idx;",
                "rationale": "the foreign key orders.customer_id has no index", "estimated_benefit": "cost 42 → 8"}
    model = ScriptedChatModel([tool_call("file_proposal", proposal), AIMessage(content="Filed it for review.")])
    store = ProposalStore()
    app = ChatApp(resolve(shop_dsn), chat_model=model, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await submit(pilot, "index the foreign key")
        await until(pilot, lambda: bool(app.query("#proposals ProposalItem")), what="the proposal in the side panel")
        assert any("Proposal #1 filed (pending)" in n for n in notes(app, "warning"))

        await pilot.press("f3")  # the proposals list, from the keyboard
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ProposalScreen), what="the proposal screen")
        page = app.screen.query_one("#proposal").source
        assert "CREATE INDEX CONCURRENTLY orders_customer_idx" in page and "DROP INDEX" in page
        assert "the foreign key orders.customer_id has no index" in page and "## Lint verdict" in page

        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        assert store.get(1).status == "pending"  # nothing is decided before the person confirms
        await pilot.press("shift+tab", "enter")  # from Cancel (focused first) to Approve
        await until(pilot, lambda: store.get(1).status == "approved", what="the approval")

        decided = store.get(1).audit[-1]
        assert (decided.action, decided.who) == ("approved", current_user())
        assert store.get(1).created_by == "dbsage chat"
        assert "approved** by" in app.screen.query_one("#proposal").source
        await pilot.press("escape")
        await until(pilot, lambda: not app.query("#proposals ProposalItem"), what="the pending list to empty")


async def test_escape_cancels_a_long_turn_and_the_query_on_the_server(shop_dsn: str) -> None:
    model = ScriptedChatModel([tool_call("run_query", {"sql": SLOW_SQL}),
                               lambda messages: AIMessage(content=f"{len(messages)} messages")])
    app = ChatApp(resolve(shop_dsn), chat_model=model)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await submit(pilot, "count the triple join", wait=False)
        assert await wait_in_thread(lambda: running_dbsage_statements(shop_dsn) == 1, 5), "the query never started"
        pressed = time.monotonic()
        await pilot.press("escape")
        await until(pilot, lambda: not app.busy, timeout_s=3, what="the turn to end")

        assert time.monotonic() - pressed < 2.5
        assert await wait_in_thread(lambda: running_dbsage_statements(shop_dsn) == 0, 2), "still running"
        assert any("Cancelled" in n for n in notes(app, "warning"))
        assert app.session is not None and app.session.exchanges == []
        await submit(pilot, "still there?")  # the app goes on, and the cancelled turn left nothing behind
        assert answers(app)[-1] == "2 messages"


async def test_without_a_model_the_router_answers_and_the_header_says_so(shop_dsn: str) -> None:
    app = ChatApp(resolve(shop_dsn), use_model=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        header = str(app.query_one(StatusHeader).content)
        assert "no model: plain router" in header
        # the test cluster's login is a superuser: the header says it can write, and the banner warns
        assert "CAN WRITE" in header and app.query_one("#banner").has_class("shown")
        assert "can change this database" in str(app.query_one("#banner").content)
        assert any("No model is configured" in n for n in notes(app))
        await submit(pilot, "describe table orders")
        block = app.query_one("#conversation ToolBlock", ToolBlock)
        assert block.outcome is not None and block.outcome.tool == "describe_object" and block.outcome.ok
        assert "plain router" in answers(app)[-1]


async def test_a_model_error_mid_turn_is_shown_and_the_app_keeps_running(shop_dsn: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    script = [Reply(tool_calls=[("list_objects", {})]), *[Reply(status=429)] * 4, Reply(content="back again")]
    with openai_stub(script) as stub:
        monkeypatch.setenv("DBSAGE_MODEL", "stub-model")
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-chat-0123456789")
        app = ChatApp(resolve(shop_dsn))
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            assert "model: stub-model at http://127.0.0.1" in str(app.query_one(StatusHeader).content)
            await submit(pilot, "what tables are there?")
            errors = notes(app, "error")
            assert len(errors) == 1 and "rate limiting (429)" in errors[0] and "wait a minute" in errors[0]
            assert app.query_one("#conversation ToolBlock", ToolBlock).outcome is not None  # the tool had run

            await submit(pilot, "still there?")
            assert answers(app)[-1] == "back again"


async def test_slash_commands_run_the_tools_without_a_model(shop_dsn: str, monkeypatch) -> None:
    # /kb's wiring is what this test is about: the lexical index builds in a second in this test's own state dir,
    # where the dense one takes a minute on a busy machine (bench/kb and tests/test_kb cover dense search).
    monkeypatch.setenv("DBSAGE_KB_EMBEDDER", "off")
    app = ChatApp(resolve(shop_dsn), use_model=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await submit(pilot, "/schema orders")
        await submit(pilot, "/explain SELECT * FROM orders WHERE customer_id = 7")
        await submit(pilot, "/sql DELETE FROM orders")
        blocks = list(app.query("#conversation ToolBlock").results(ToolBlock))
        assert [(b.tool, b.outcome.ok if b.outcome else None) for b in blocks] == [
            ("describe_object", True), ("explain_query", True), ("run_query", False)]
        assert blocks[2].outcome is not None and blocks[2].outcome.refused
        await pilot.press("f7")
        assert app.clipboard == "DELETE FROM orders"  # the last SQL shown, refused or not

        await submit(pilot, "/kb covering index")
        await submit(pilot, "/nonsense")
        await submit(pilot, "/help")
        assert "unknown command /nonsense" in notes(app, "error")[-1]
        assert "[kb:" in answers(app)[-2]
        assert "/explain SQL" in answers(app)[-1] and "f4" in answers(app)[-1]


async def test_switching_to_another_named_connection(shop_dsn: str, make_pg_db, tmp_path: Path) -> None:
    other = make_pg_db("CREATE TABLE invoices (id int PRIMARY KEY);")
    (tmp_path / "dbsage.toml").write_text(f'[connections]\nshop = "{shop_dsn}"\nbilling = "{other}"\n')
    app = ChatApp(resolve("shop"), use_model=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert " shop · db " in str(app.query_one(StatusHeader).content)
        await pilot.press("f4")
        await until(pilot, lambda: app.screen.query("OptionList"), what="the connection list")
        await pilot.press("home", "enter")  # billing sorts first
        await until(pilot, lambda: app.target.name == "billing" and app.database != "", what="the switch")
        await until(pilot, lambda: app.server[0] != "…", what="the header")
        assert " billing · db " in str(app.query_one(StatusHeader).content)
        await submit(pilot, "/schema")
        evidence = str(app.query_one("#conversation ToolBlock .tool-evidence").content)
        assert "public.invoices" in evidence and "public.orders" not in evidence


async def test_light_and_dark_themes_and_the_side_panel(shop_dsn: str) -> None:
    app = ChatApp(resolve(shop_dsn), use_model=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.theme == "textual-dark"
        await pilot.press("f8")
        assert app.theme == "textual-light"
        await pilot.press("f2")
        assert app.query_one("SidePanel").has_class("hidden")
        items = [str(node.label) for node in app.query_one("#schema").root.children[0].children]
        assert [i.split()[0] for i in items] == ["customers", "orders"]


async def test_a_saved_conversation_is_resumed_in_the_app(shop_dsn: str) -> None:
    from dbsage.agent.session import Session
    from dbsage.agent.toolkit.context import ToolContext

    ctx = ToolContext(resolve(shop_dsn), origin="chat")
    try:
        saved = Session.start(ctx, front_end="chat", chat_model=ScriptedChatModel([AIMessage(content="It has 2000.")]))
        saved.ask("how many orders are there?")
    finally:
        ctx.close()
    echo = ScriptedChatModel([lambda messages: AIMessage(content=" | ".join(
        str(m.content) for m in messages if m.type in ("human", "ai")))])
    app = ChatApp(resolve(shop_dsn), chat_model=echo, resume=saved.conversation_id)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert any(f"Resumed conversation {saved.conversation_id}" in n for n in notes(app))
        assert answers(app) == ["It has 2000."]
        await submit(pilot, "and yesterday?")
        assert answers(app)[-1] == "how many orders are there? | It has 2000. | and yesterday?"
