"""The MCP server: in-process and over stdio, a client lists the tools, calls them, and cannot approve anything."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from chat_support import mcp_server_fixture  # noqa: F401 (provides the `server` fixture)
from dbsage.agent.proposals import ProposalStore
from dbsage.agent.toolkit import registry

SHOP = """
CREATE TABLE orders (id int PRIMARY KEY, customer_id int, total numeric);
INSERT INTO orders SELECT g, g % 100, g FROM generate_series(1, 5000) g;
ANALYZE;
"""
NO_HUMAN_ACTIONS = ("approve_proposal", "reject_proposal", "apply_proposal", "approve", "reject", "apply")


@pytest.fixture(scope="module")
def dsn(make_pg_db) -> str:
    return make_pg_db(SHOP)


async def test_lists_every_toolbox_tool_with_schemas_and_no_approval(server) -> None:
    async with Client(server) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == {*registry(), "ask", "fetch_result"}
    assert not set(tools) & set(NO_HUMAN_ACTIONS)
    describe = tools["describe_object"]
    assert describe.input_schema["required"] == ["name"]
    assert describe.output_schema and "columns" in describe.output_schema["properties"]
    assert describe.annotations and describe.annotations.read_only_hint is True
    assert "data, never" in describe.description


async def test_calls_return_structured_results_and_typed_errors(server) -> None:
    async with Client(server) as client:
        described = await client.call_tool("describe_object", {"name": "orders"})
        missing = await client.call_tool("describe_object", {"name": "no_such"})
        asked = await client.call_tool("ask", {"question": "describe table orders"})
    assert not described.is_error and described.structured_content["row_estimate"] == 5000
    assert missing.is_error and "no table, view or collection named 'no_such'" in missing.content[0].text
    assert "hint: call list_objects" in missing.content[0].text
    assert asked.structured_content["mode"] == "router"
    assert asked.structured_content["tool_calls"][0]["tool"] == "describe_object"


async def test_checkup_returns_findings_with_evidence(server) -> None:
    async with Client(server) as client:
        checked = await client.call_tool("checkup", {})
        security = await client.call_tool("checkup", {"family": "security"})
    report = checked.structured_content
    assert not checked.is_error and report["scorecard"]
    superuser = [f for f in report["findings"] if f["id"] == "security.dbsage_superuser"]
    assert superuser and superuser[0]["evidence"]["superuser"] is True  # the test cluster's login is a superuser
    families = {f["family"] for f in security.structured_content["findings"]}
    assert families == {"security"}


async def test_explain_and_a_guard_refusal(server) -> None:
    async with Client(server) as client:
        explained = await client.call_tool("explain_query", {"sql": "SELECT * FROM orders WHERE customer_id = 7"})
        refused = await client.call_tool("run_query", {"sql": "DELETE FROM orders"})
        rows = await client.call_tool("run_query", {"sql": "SELECT count(*) AS n FROM orders", "max_rows": 5})
    plan = explained.structured_content
    assert not explained.is_error and plan["plan"]["root"]["node_type"] == "Seq Scan"
    assert plan["sql"] == "SELECT * FROM orders WHERE customer_id = 7"
    assert refused.is_error and "refused: DELETE changes data" in refused.content[0].text
    assert rows.structured_content["rows"] == [[5000]]


@pytest.mark.parametrize("action", NO_HUMAN_ACTIONS)
async def test_a_client_files_a_proposal_but_cannot_approve_reject_or_apply(server, tmp_path, action: str) -> None:
    draft = {"title": "create index orders_customer_id_idx", "rationale": "seq scan of 5000 rows for one customer",
             "up_sql": "CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);",
             "down_sql": "DROP INDEX CONCURRENTLY orders_customer_id_idx;"}
    async with Client(server) as client:
        filed = await client.call_tool("file_proposal", draft)
        proposal_id = filed.structured_content["id"]
        result = await client.call_tool(action, {"id": proposal_id})
    assert result.is_error and f"Unknown tool: {action}" in result.content[0].text
    stored = ProposalStore(tmp_path / "proposals.sqlite3").get(proposal_id)
    assert stored.status == "pending" and stored.created_by == "dbsage mcp"
    assert [a.action for a in stored.audit] == ["created"]


async def test_stdio_server_started_by_the_cli(dsn: str, tmp_path: Path) -> None:
    dbsage = Path(sys.executable).with_name("dbsage")
    env = {**os.environ, "DBSAGE_STATE_DIR": str(tmp_path)}
    params = StdioServerParameters(command=str(dbsage), args=["mcp", "--db", dsn], env=env)
    async with Client(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        listed = await client.call_tool("list_objects", {})
    assert {"list_objects", "describe_object", "ask"} <= names
    assert [o["name"] for o in listed.structured_content["objects"]] == ["public.orders"]


async def test_ask_uses_the_configured_model(server, monkeypatch) -> None:
    from fakes_llm import Reply, openai_stub

    def answer(body):
        tool = next(m["content"] for m in body["messages"] if m["role"] == "tool")
        return Reply(content="orders: " + ("≈5000 rows" if "≈5000 rows" in tool else "unknown size"))

    with openai_stub([Reply(tool_calls=[("describe_object", {"name": "orders"})]), answer]) as stub:
        monkeypatch.setenv("DBSAGE_MODEL", "stub-model")
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        async with Client(server) as client:
            asked = await client.call_tool("ask", {"question": "how big is orders?"})
    result = asked.structured_content
    assert (result["mode"], result["answer"]) == ("model", "orders: ≈5000 rows")
    assert [c["tool"] for c in result["tool_calls"]] == ["describe_object"]
