"""The real client path: ChatOpenAI(base_url=…) against a local OpenAI-compatible HTTP stub, errors included."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pydantic import SecretStr

from dbsage.agent.loop import AgentLoop
from dbsage.agent.model import (
    DEFAULT_OPENAI_MODEL,
    ModelAuthFailed,
    ModelConfig,
    ModelNotConfigured,
    ModelNotFound,
    ModelRateLimited,
    ModelServerError,
    ModelTimeout,
    ModelUnreachable,
    load_model_config,
    make_chat_model,
)
from dbsage.agent.toolkit import ToolContext
from dbsage.agent.transcripts import Transcript
from dbsage.tools.targets import resolve
from fakes_llm import Reply, openai_stub

SECRET_KEY = "sk-test-0123456789abcdefSECRET"
LOCAL_KEY = "hunter2-local-key"  # a key that does not look like one: only explicit masking can hide it


@pytest.fixture(scope="module")
def dsn(make_pg_db) -> str:
    return make_pg_db("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'a'); ANALYZE;")


@pytest.fixture
def ctx(dsn: str):
    context = ToolContext(resolve(dsn))
    yield context
    context.close()


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("DBSAGE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _config(stub, **overrides) -> ModelConfig:
    fields = {"model": "stub-model", "base_url": stub.base_url, "api_key": SecretStr(SECRET_KEY), "timeout_s": 5.0,
              "max_retries": 2, **overrides}
    return ModelConfig(**fields)


def _loop(ctx: ToolContext, config: ModelConfig, **kwargs) -> AgentLoop:
    transcript = Transcript.start(front_end="test", target=ctx.target.display, model=config.display,
                                  secret_values=config.secret_values())
    return AgentLoop(ctx, make_chat_model(config), config=config, transcript=transcript, **kwargs)


@pytest.mark.parametrize("stream", [True, False])
def test_tool_call_round_trip_through_the_real_client(ctx: ToolContext, stream: bool) -> None:
    def answer(body):  # the stub answers from the tool result it received
        tool_message = next(m for m in body["messages"] if m["role"] == "tool")
        return Reply(content="Found: " + ("public.items" if "public.items" in tool_message["content"] else "nothing"))

    tokens: list[str] = []
    with openai_stub([Reply(tool_calls=[("list_objects", {})]), answer], api_key=SECRET_KEY) as stub:
        result = _loop(ctx, _config(stub), stream=stream, on_token=tokens.append).ask("what tables are there?")
    assert result.answer == "Found: public.items"
    assert [c.tool for c in result.tool_calls] == ["list_objects"] and result.tool_calls[0].ok
    assert all(bool(r.get("stream")) is stream for r in stub.requests)
    assert "".join(tokens) == ("Found: public.items" if stream else "")
    tools = {t["function"]["name"]: t["function"] for t in stub.requests[0]["tools"]}
    assert tools["describe_object"]["parameters"]["required"] == ["name"]
    assert "read-only" in stub.requests[0]["messages"][0]["content"].lower()
    assert stub.headers[0]["authorization"] == f"Bearer {SECRET_KEY}"


def test_rate_limit_is_retried_with_backoff(ctx: ToolContext) -> None:
    with openai_stub([Reply(status=429), Reply(status=429), Reply(content="ok after retries")]) as stub:
        result = _loop(ctx, _config(stub, max_retries=2)).ask("hello")
    assert result.answer == "ok after retries" and len(stub.requests) == 3


def test_api_error_keeps_the_conversation_and_resume_finishes_the_turn(ctx: ToolContext) -> None:
    script = [Reply(tool_calls=[("list_objects", {})]), Reply(status=429), Reply(status=429),
              Reply(content="items is the only table")]
    with openai_stub(script) as stub:
        loop = _loop(ctx, _config(stub, max_retries=1))
        with pytest.raises(ModelRateLimited) as raised:
            loop.ask("what tables?")
        kept = [m.type for m in loop.conversation.messages]
        assert kept == ["human", "ai", "tool"]  # the question and the tool result survived the error
        assert "after 1 retries" in raised.value.message and "kept" in (raised.value.hint or "")
        result = loop.resume()
    assert result.answer == "items is the only table"
    assert [c.tool for c in result.tool_calls] == ["list_objects"]  # the call before the error is in the answer
    assert any(m["role"] == "tool" and "public.items" in m["content"] for m in stub.messages(3))
    events = [e["event"] for e in loop.transcript.events()]
    assert "error" in events and events[-1] == "answer"


@pytest.mark.parametrize(("script", "overrides", "error", "words"), [
    ([Reply(status=500)] * 2, {"max_retries": 1}, ModelServerError, "failed (500)"),
    ([Reply(content="late", delay_s=1.5)], {"timeout_s": 0.3, "max_retries": 0}, ModelTimeout, "did not answer"),
    ([], {"model": "no-such-model"}, ModelNotFound, "'no-such-model' not found (404)"),
    ([], {"api_key": SecretStr(LOCAL_KEY)}, ModelAuthFailed, "refused the API key (401)"),
])
def test_api_errors_become_typed_errors_without_the_key(ctx, script, overrides, error, words) -> None:
    with openai_stub(script, api_key=SECRET_KEY) as stub:
        loop = _loop(ctx, _config(stub, **overrides))
        with pytest.raises(error) as raised:
            loop.ask("hello")
    assert words in raised.value.message and raised.value.hint
    transcript_text = loop.transcript.path.read_text()
    for secret in (SECRET_KEY, LOCAL_KEY):
        assert secret not in str(raised.value) and secret not in transcript_text
    assert loop.conversation.messages[0].content == "hello"


def test_unreachable_endpoint() -> None:
    config = ModelConfig(model="m", base_url="http://127.0.0.1:9/v1", api_key=SecretStr("x" * 8), max_retries=0)
    ctx = ToolContext(resolve("postgresql://nobody@127.0.0.1:9/none"))
    with pytest.raises(ModelUnreachable, match="cannot reach m at http://127.0.0.1:9/v1"):
        AgentLoop(ctx, make_chat_model(config), config=config).ask("hi")


@pytest.mark.parametrize(("env", "toml", "expect"), [
    ({}, "", None),
    ({"DBSAGE_MODEL": "gpt-x", "OPENAI_API_KEY": SECRET_KEY}, "", ("gpt-x", None)),
    ({"OPENAI_API_KEY": SECRET_KEY}, "", (DEFAULT_OPENAI_MODEL, None)),
    ({"DBSAGE_MODEL": "llama3.1", "OPENAI_BASE_URL": "http://127.0.0.1:11434/v1"}, "",
     ("llama3.1", "http://127.0.0.1:11434/v1")),
    ({"MY_KEY": LOCAL_KEY}, '[model]\nname = "qwen"\nbase_url = "http://vllm:8000/v1"\napi_key_env = "MY_KEY"\n',
     ("qwen", "http://vllm:8000/v1")),
    ({"DBSAGE_MODEL": "env-wins", "OPENAI_API_KEY": SECRET_KEY}, '[model]\nname = "file"\n', ("env-wins", None)),
])
def test_model_configuration_sources(isolated, env, toml, expect) -> None:
    if toml:
        (isolated / "dbsage.toml").write_text(toml)
    config = load_model_config(env)
    assert (config.model, config.base_url) == expect if expect else config is None
    if config is not None:
        assert SECRET_KEY not in repr(config) and LOCAL_KEY not in repr(config) and "secret" not in config.display


@pytest.mark.parametrize(("env", "toml", "words"), [
    ({"DBSAGE_MODEL": "gpt-x"}, "", "no API key is set"),
    ({}, '[model]\nname = "q"\napi_key_env = "UNSET_VAR"\n', "UNSET_VAR, which is not set"),
])
def test_missing_key_is_a_clear_error(isolated, env, toml, words) -> None:
    if toml:
        (isolated / "dbsage.toml").write_text(toml)
    with pytest.raises(ModelNotConfigured, match=words) as raised:
        load_model_config(env)
    assert raised.value.hint


def test_transcript_redacts_keys_and_dsn_passwords(isolated) -> None:
    transcript = Transcript.start(front_end="test", target="postgresql://u:***@h/db", model="m",
                                  secret_values=(LOCAL_KEY,))
    transcript.record("user", text=f"my dsn is postgresql://app:pa55word@db/prod and key {SECRET_KEY}",
                      nested={"list": [f"Bearer {LOCAL_KEY}", "password=letmein host=x"]})
    text = transcript.path.read_text()
    for secret in ("pa55word", SECRET_KEY, LOCAL_KEY, "letmein"):
        assert secret not in text
    event = json.loads(text.splitlines()[1])
    assert event["text"] == "my dsn is postgresql://app:***@db/prod and key ***"
    assert transcript.path.parent == isolated / "state" / "transcripts"


def test_ask_command_reports_a_model_error_once_with_the_transcript(dsn: str, isolated, monkeypatch) -> None:
    from typer.testing import CliRunner

    from dbsage.agent.cli.app import app

    with openai_stub([], api_key=SECRET_KEY) as stub:
        monkeypatch.setenv("DBSAGE_MODEL", "gpt-typo")
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", SECRET_KEY)
        run = CliRunner().invoke(app, ["ask", "what tables are there?", "--db", dsn])
    assert run.exit_code == 1
    assert "error: gpt-typo at http://127.0.0.1:" in run.stderr and "'gpt-typo' not found (404)" in run.stderr
    transcript = Path(re.search(r"transcript: (\S+\.jsonl)", run.stderr)[1])
    events = [json.loads(line)["event"] for line in transcript.read_text().splitlines()]
    assert events == ["start", "user", "error"] and SECRET_KEY not in run.stderr + transcript.read_text()
