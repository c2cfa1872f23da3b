"""The conversation core (agent/session.py): follow-ups, the history budget, cancel, resume, errors, the router —
with the scripted chat model (or the local OpenAI stub) and real tools on a real PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from chat_support import SHOP, SLOW_SQL, running_dbsage_statements
from dbsage.agent.model import ModelRateLimited, ModelServerError
from dbsage.agent.session import (
    SUMMARY_HEAD,
    ProposalFiled,
    Session,
    ToolFinished,
    ToolStarted,
    TurnDone,
    TurnWarning,
)
from dbsage.agent.toolkit.context import ToolContext
from dbsage.tools.errors import UsageError
from dbsage.tools.targets import resolve
from fakes_llm import (
    Reply,
    ScriptedChatModel,
    openai_stub,
    rows_answer,
    same_tool_for_the_table_named,
    tool_call,
)


@pytest.fixture(scope="module")
def shop_dsn(make_pg_db) -> str:
    return make_pg_db(SHOP)


@pytest.fixture(autouse=True)
def _no_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no dbsage.toml from the checkout
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def ctx(shop_dsn: str):
    context = ToolContext(resolve(shop_dsn), origin="chat")
    yield context
    context.close()


def test_a_follow_up_is_answered_from_the_history(ctx: ToolContext) -> None:
    model = ScriptedChatModel([tool_call("describe_object", {"name": "customers"}), rows_answer,
                               same_tool_for_the_table_named, rows_answer])
    session = Session.start(ctx, front_end="test", chat_model=model)

    first = session.ask("how many rows are in the customers table?")
    second = session.ask("and what about the orders table?")

    assert (first.answer, second.answer) == ("about 300 rows", "about 2000 rows")
    assert [(c.tool, c.arguments) for c in second.tool_calls] == [("describe_object", {"name": "orders"})]
    humans = [m.content for m in model.seen[2] if isinstance(m, HumanMessage)]
    assert humans == ["how many rows are in the customers table?", "and what about the orders table?"]
    assert [e.question for e in session.exchanges] == [first.question, second.question]
    assert session.exchanges[0].tools[0].startswith("describe_object(name='customers') → ")


def test_old_turns_are_summarised_when_the_history_passes_its_budget(ctx: ToolContext) -> None:
    answers = [f"answer {n}: " + "the planner picked a sequential scan. " * 30 for n in (1, 2, 3)]
    model = ScriptedChatModel([AIMessage(content=a) for a in answers])
    session = Session.start(ctx, front_end="test", chat_model=model, history_tokens=400)

    session.ask("first question about orders")
    session.ask("second question about customers")
    events = list(session.stream("third question"))

    assert isinstance(events[-1], TurnDone) and events[-1].answer is not None
    assert events[-1].answer.answer == answers[2]  # the turn went on: nothing failed
    warnings = [e.message for e in events if isinstance(e, TurnWarning)]
    assert any("budget of 400 tokens" in w and "summarised" in w for w in warnings)
    seen = model.seen[2]
    head = next(m for m in seen if isinstance(m, HumanMessage))
    assert str(head.content).startswith(SUMMARY_HEAD)
    assert "first question about orders" in str(head.content) and "<data>" in str(head.content)
    assert answers[0] not in "".join(str(m.content) for m in seen)  # the long answer itself is gone
    assert "summary" in [e["event"] for e in session.transcript.events()]


def _wait_for(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_cancel_during_a_tool_call_stops_the_query_on_the_server(ctx: ToolContext, shop_dsn: str) -> None:
    model = ScriptedChatModel([
        tool_call("run_query", {"sql": SLOW_SQL}),
        lambda messages: AIMessage(content=f"{len(messages)} messages: {[m.type for m in messages]}"),
    ])
    session = Session.start(ctx, front_end="test", chat_model=model)
    events, cancelled_at = [], 0.0
    for event in session.stream("count the triple join"):
        events.append(event)
        if isinstance(event, ToolStarted):
            assert _wait_for(lambda: running_dbsage_statements(shop_dsn) == 1, 5), "the query never started"
            cancelled_at = time.monotonic()
            assert session.cancel()

    assert isinstance(events[-1], TurnDone) and events[-1].cancelled and events[-1].answer is None
    assert time.monotonic() - cancelled_at < 2, "cancel waited for the statement timeout"
    assert _wait_for(lambda: running_dbsage_statements(shop_dsn) == 0, 2), "the query still runs on the server"
    assert session.exchanges == [] and not session.busy
    # The history is as before the question: the next turn sees only the system prompt and its own question.
    after = session.ask("anything else?")
    assert after.answer == "2 messages: ['system', 'human']"
    transcript = [e["event"] for e in session.transcript.events()]
    assert "cancelled" in transcript and transcript[-1] == "answer"


def test_a_conversation_resumes_from_its_transcript(ctx: ToolContext) -> None:
    first = Session.start(ctx, front_end="test", chat_model=ScriptedChatModel([
        tool_call("describe_object", {"name": "orders"}), rows_answer]))
    first.ask("how big is the orders table?")
    echo = ScriptedChatModel([lambda messages: AIMessage(content=" | ".join(
        str(m.content) for m in messages if m.type in ("human", "ai")))])

    resumed = Session.start(ctx, front_end="test", chat_model=echo, resume=first.conversation_id)

    assert resumed.transcript.path == first.transcript.path
    assert [(e.question, e.answer) for e in resumed.exchanges] == [("how big is the orders table?", "about 2000 rows")]
    assert resumed.exchanges[0].tools[0].startswith("describe_object(name='orders')")
    answer = resumed.ask("and the customers?")
    assert answer.answer == "how big is the orders table? | about 2000 rows | and the customers?"
    events = [e["event"] for e in resumed.transcript.events()]
    assert events.count("start") == 1 and "resume" in events and events.count("answer") == 2
    with pytest.raises(UsageError) as unknown:
        Session.start(ctx, front_end="test", chat_model=echo, resume="no-such-conversation")
    assert first.conversation_id in (unknown.value.hint or "")


def test_the_router_streams_the_same_events_without_a_model(ctx: ToolContext) -> None:
    session = Session.start(ctx, front_end="test", use_model=False)
    assert (session.mode, session.model) == ("router", None)

    events = list(session.stream("suggest indexes and propose them"))

    kinds = [e.kind for e in events]
    assert kinds[0] == "tool_started" and kinds[-1] == "done"
    finished = [e for e in events if isinstance(e, ToolFinished)]
    assert [e.outcome.tool for e in finished] == ["advise_indexes"]
    done = events[-1]
    assert isinstance(done, TurnDone) and done.answer is not None and done.answer.mode == "router"
    filed = [e.proposal for e in events if isinstance(e, ProposalFiled)]
    assert [p.id for p in filed] == [p.id for p in done.answer.proposals]


def test_a_model_error_mid_turn_keeps_the_history_and_the_session(ctx: ToolContext,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    script = [Reply(tool_calls=[("list_objects", {})]), *[Reply(status=429)] * 4, Reply(content="back again")]
    with openai_stub(script) as stub:
        monkeypatch.setenv("DBSAGE_MODEL", "stub-model")
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-session-0123456789")
        session = Session.start(ctx, front_end="test")
        events = list(session.stream("what tables are there?"))
        errors = [e for e in events if e.kind == "error"]
        assert [e.error_type for e in errors] == [ModelRateLimited.__name__]
        assert "wait a minute" in (errors[0].hint or "") and str(session.transcript.path) in (errors[0].hint or "")
        assert isinstance(events[-1], TurnDone) and events[-1].answer is None and session.exchanges == []

        answer = session.ask("still there?")
        assert answer.answer == "back again"
        roles = [m["role"] for m in stub.messages(len(stub.requests) - 1)]
        assert roles == ["system", "user"]  # nothing of the failed turn was left behind
        with pytest.raises(ModelServerError):
            session.ask("one more")  # the script is exhausted: the stub answers 500 → a typed error, raised
