"""Loops that end: per-turn limits on tool calls, calls per step and wall time (agent/limits.py); an answer that
says it stopped and why, never an empty one; every call the model attempted listed with its status (made-up tool
names and bad arguments included). A scripted model for the loop, the real ChatOpenAI client against the local
OpenAI-compatible stub for `dbsage ask --format json`; real PostgreSQL."""

from __future__ import annotations

import json
import time

import pytest
from langchain_core.messages import AIMessage
from typer.testing import CliRunner

from dbsage.agent.limits import TurnLimits, load_turn_limits
from dbsage.agent.loop import AgentLoop
from dbsage.agent.toolkit import ToolContext
from dbsage.tools.errors import ConfigError
from dbsage.tools.targets import resolve
from fakes_llm import Reply, ScriptedChatModel, openai_stub, tool_call, tool_texts


@pytest.fixture(scope="module")
def dsn(make_pg_db) -> str:
    return make_pg_db("CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 50);")


@pytest.fixture
def ctx(dsn: str):
    context = ToolContext(resolve(dsn))
    yield context
    context.close()


def _calls(*calls: tuple[str, dict]) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"c{n}", "type": "tool_call"}
                                             for n, (name, args) in enumerate(calls)])


def test_calls_over_the_per_step_limit_are_not_run_and_the_turn_goes_on(ctx: ToolContext) -> None:
    model = ScriptedChatModel([_calls(*[("run_query", {"sql": f"SELECT {n}"}) for n in range(8)]),
                               lambda messages: AIMessage(content=f"saw {len(tool_texts(messages))} results")])
    answer = AgentLoop(ctx, model, limits=TurnLimits(max_parallel_calls=3)).ask("eight at once")
    statuses = sorted(c.status for c in answer.tool_calls)
    assert statuses == ["not_run"] * 5 + ["ok"] * 3
    refused = [c for c in answer.tool_calls if c.status == "not_run"]
    assert all("more than 3 tool calls in one step" in (c.error or "") for c in refused)
    assert answer.status == "answered" and answer.answer == "saw 8 results"


def test_the_tool_call_limit_stops_the_turn_and_the_answer_says_so(ctx: ToolContext) -> None:
    model = ScriptedChatModel([tool_call("list_objects", call_id=f"c{n}") for n in range(10)])
    answer = AgentLoop(ctx, model, limits=TurnLimits(max_tool_calls=2)).ask("loop")
    assert len(model.seen) == 4  # after the refused call the model had one chance to answer, then the turn ended
    assert [c.status for c in answer.tool_calls] == ["ok", "ok", "not_run", "not_run"]
    assert answer.status == "stopped"
    assert answer.stopped_reason == "the turn's limit of 2 tool calls was reached"
    assert answer.answer.startswith("dbsage stopped this turn before the model finished: the turn's limit of 2")
    assert "- list_objects: 1 objects in" in answer.answer


def test_the_wall_time_limit_stops_the_turn(ctx: ToolContext) -> None:
    def slow_step(messages) -> AIMessage:
        time.sleep(1.2)
        return tool_call("list_objects", call_id="late")

    model = ScriptedChatModel([tool_call("list_objects", call_id="early"), slow_step,
                               lambda messages: AIMessage(content="")])
    started = time.monotonic()
    answer = AgentLoop(ctx, model, limits=TurnLimits(max_seconds=1.0)).ask("slow")
    assert time.monotonic() - started < 10
    assert [c.status for c in answer.tool_calls] == ["ok", "not_run"]
    assert answer.status == "stopped" and answer.stopped_reason == "the turn's time limit of 1 s was reached"
    assert answer.answer.strip() and "stopped: the turn's time limit of 1 s was reached" in answer.notes


def test_an_empty_answer_is_never_silent(ctx: ToolContext) -> None:
    answer = AgentLoop(ctx, ScriptedChatModel([AIMessage(content="")])).ask("say nothing")
    assert answer.status == "stopped" and answer.stopped_reason == "the model ended its turn without an answer"
    assert "dbsage stopped this turn" in answer.answer


def test_every_attempted_call_is_listed_with_its_status(ctx: ToolContext) -> None:
    model = ScriptedChatModel([
        _calls(("drop_everything", {}), ("run_query", {"sqll": "SELECT 1"}),
               ("run_query", {"sql": "DELETE FROM items"}), ("run_query", {"sql": "SELECT count(*) FROM items"})),
        lambda messages: AIMessage(content="done")])
    answer = AgentLoop(ctx, model).ask("try everything")
    by_status = {c.status: c for c in answer.tool_calls}
    assert sorted(by_status) == ["bad_arguments", "ok", "refused", "unknown_tool"]
    assert by_status["unknown_tool"].tool == "drop_everything" and "not a valid tool" in by_status["unknown_tool"].error
    assert by_status["bad_arguments"].arguments == {"sqll": "SELECT 1"}
    assert "sql" in by_status["bad_arguments"].error and by_status["refused"].refused
    assert answer.status == "answered"


def test_limits_come_from_dbsage_toml_and_the_environment(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dbsage.toml").write_text("[agent]\nmax_seconds = 30\nmax_tool_calls = 7\n")
    assert load_turn_limits({}) == TurnLimits(max_seconds=30, max_tool_calls=7)
    assert load_turn_limits({"DBSAGE_TURN_TOOL_CALLS": "3"}).max_tool_calls == 3
    with pytest.raises(ConfigError, match="max_parallel_calls"):
        load_turn_limits({"DBSAGE_TURN_PARALLEL_CALLS": "0"})


def test_ask_json_says_the_turn_stopped(dsn: str, monkeypatch) -> None:
    from dbsage.agent.cli.app import app

    script = [Reply(tool_calls=[("list_objects", {})]) for _ in range(6)]
    with openai_stub(script) as stub:
        monkeypatch.setenv("DBSAGE_MODEL", "stub-model")
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("DBSAGE_TURN_TOOL_CALLS", "2")
        monkeypatch.setenv("DBSAGE_TURN_STEPS", "4")
        run = CliRunner().invoke(app, ["ask", "list everything, forever", "--db", dsn, "--format", "json"])
    document = json.loads(run.stdout)
    assert run.exit_code == 0, run.output
    assert document["status"] == "stopped" and document["answer"].strip()
    assert document["stopped_reason"] in ("the turn's limit of 2 tool calls was reached",
                                          "the model was still calling tools after 4 steps (the turn's limit)")
    assert [c["status"] for c in document["tool_calls"]][:2] == ["ok", "ok"]
    assert "note: the turn stopped early" in run.stderr
