"""An answer document other agents can parse: docs/answer.schema.json is the published JSON Schema of `dbsage ask
--format json` and of MCP `ask`; it is current (generated from the pydantic model), and real answers — the router's,
a model's through the real client with refused, malformed and made-up calls, MCP's — validate against it. MCP `ask`
is an error (isError) when every tool call inside it failed."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from mcp import Client
from typer.testing import CliRunner

from dbsage.agent.answer import json_schema
from dbsage.agent.cli.app import app
from dbsage.agent.mcp.server import build_server
from dbsage.agent.toolkit import ToolContext
from dbsage.tools.targets import resolve
from fakes_llm import Reply, openai_stub

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "docs" / "answer.schema.json"


@pytest.fixture(scope="module")
def dsn(make_pg_db) -> str:
    return make_pg_db("CREATE TABLE orders (id int PRIMARY KEY, total numeric); "
                      "INSERT INTO orders SELECT g, g FROM generate_series(1, 500) g; ANALYZE;")


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_published_schema_is_current() -> None:
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == json_schema(), (
        "docs/answer.schema.json is stale: python -m dbsage.agent.answer > docs/answer.schema.json")


def test_a_router_answer_validates(dsn: str, validator) -> None:
    run = CliRunner().invoke(app, ["ask", "describe table orders", "--db", dsn, "--format", "json"])
    document = json.loads(run.stdout)
    assert run.exit_code == 0, run.output
    validator.validate(document)
    assert document["status"] == "answered" and document["intent"] == "describe"
    assert [c["status"] for c in document["tool_calls"]] == ["ok"]


def test_a_model_answer_lists_every_attempted_call_and_validates(dsn: str, validator, monkeypatch) -> None:
    calls = [("no_such_tool", {}), ("run_query", {"query": "SELECT 1"}), ("run_query", {"sql": "DROP TABLE orders"}),
             ("run_query", {"sql": "SELECT count(*) AS n FROM orders"})]
    with openai_stub([Reply(tool_calls=calls), Reply(content="orders holds 500 rows.")]) as stub:
        monkeypatch.setenv("DBSAGE_MODEL", "stub-model")
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        run = CliRunner().invoke(app, ["ask", "how many orders?", "--db", dsn, "--format", "json"])
    document = json.loads(run.stdout)
    assert run.exit_code == 0, run.output
    validator.validate(document)
    statuses = {c["tool"] + ":" + c["status"] for c in document["tool_calls"]}
    assert statuses == {"no_such_tool:unknown_tool", "run_query:bad_arguments", "run_query:refused", "run_query:ok"}
    assert document["status"] == "answered" and document["answer"] == "orders holds 500 rows."


async def test_mcp_ask_validates_and_is_an_error_when_every_call_failed(dsn: str, validator) -> None:
    good = ToolContext(resolve(dsn), origin="mcp")
    dead = ToolContext(resolve("postgresql://nobody@127.0.0.1:9/none"), origin="mcp")
    try:
        async with Client(build_server(good)) as client:
            answered = await client.call_tool("ask", {"question": "describe table orders"})
        async with Client(build_server(dead)) as client:
            failed = await client.call_tool("ask", {"question": "describe table orders"})
    finally:
        good.close()
        dead.close()
    assert not answered.is_error and answered.structured_content["status"] == "answered"
    validator.validate(answered.structured_content)
    assert failed.is_error
    assert failed.structured_content["status"] == "no_evidence"
    validator.validate(failed.structured_content)
    assert "[ask: no_evidence; 1 tool call(s)]" in failed.content[0].text
