"""Results sized for a client model's context (agent/mcp/sizing.py): every MCP call returns the compact summary and a
structured document within max_chars, says what it cut, pages the full result by handle; the tool list stays small;
errors never echo an input back unbounded; long calls send progress notifications. Real PostgreSQL, the official
MCP SDK client."""

from __future__ import annotations

import json

import pytest
from mcp import Client

from chat_support import mcp_server_fixture  # noqa: F401 (provides the `server` fixture)
from dbsage.agent.mcp import progress as progress_module
from dbsage.agent.mcp.sizing import DEFAULT_MAX_CHARS, HARD_CAP_CHARS, fit_document
from dbsage.agent.toolkit import registry

WIDE = """
CREATE TABLE notes (id int PRIMARY KEY, body text);
INSERT INTO notes SELECT g, repeat(md5(g::text), 16) FROM generate_series(1, 1000) g;  -- 512 characters a row
ANALYZE;
"""


@pytest.fixture(scope="module")
def dsn(make_pg_db) -> str:
    return make_pg_db(WIDE)


def _size(tool) -> int:
    return len(json.dumps(tool.model_dump(mode="json", by_alias=True, exclude_none=True)))


async def test_the_tool_list_is_small_and_every_tool_takes_max_chars(server) -> None:
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
    total = sum(_size(t) for t in tools)
    schemas = sum(len(json.dumps(t.output_schema or {})) for t in tools)
    assert {t.name for t in tools} == {*registry(), "ask", "fetch_result"}
    assert total < 2_600 * len(tools), f"tools/list is {total} characters for {len(tools)} tools"
    assert schemas < 0.45 * total  # it was 78 % (44,416 of 56,753 characters for 11 tools) with nested schemas
    for tool in tools:
        assert tool.input_schema["properties"]["max_chars"]["maximum"] == HARD_CAP_CHARS, tool.name
        assert len(json.dumps(tool.output_schema)) < 2_500, tool.name
        assert "$defs" not in (tool.output_schema or {}), tool.name


async def test_a_big_result_is_cut_to_max_chars_says_what_was_cut_and_pages_by_handle(server) -> None:
    sql = "SELECT id, body FROM notes ORDER BY id"
    async with Client(server) as client:
        default = await client.call_tool("run_query", {"sql": sql, "max_rows": 1000})
        small = await client.call_tool("run_query", {"sql": sql, "max_rows": 1000, "max_chars": 1500})
        handle = small.structured_content["result_handle"]
        pages, offset = [], 0
        while offset is not None:
            page = await client.call_tool("fetch_result", {"handle": handle, "offset": offset, "max_chars": 20_000})
            assert not page.is_error and len(page.content[0].text) <= 20_000
            pages.append(page.structured_content["text"])
            offset = page.structured_content["next_offset"]
    for result, limit in ((default, DEFAULT_MAX_CHARS), (small, 1500)):
        assert not result.is_error
        assert len(result.content[0].text) <= limit
        assert len(json.dumps(result.structured_content)) <= limit
        assert result.structured_content["row_count"] == 1000  # the scalars stay; the rows list is what was cut
        kept = len(result.structured_content["rows"])
        assert 1 <= kept < 1000
        assert f"rows: kept {kept} of 1000 items" in result.structured_content["result_cut"]
        assert "1000 row(s)" in result.content[0].text  # the agent loop's summary, not the JSON document
    full = json.loads("".join(pages))
    assert len(full["rows"]) == 1000 and full["rows"][999][0] == 1000
    assert len(pages) >= 512_000 // 20_000


async def test_max_chars_is_capped_and_errors_never_echo_an_input_unbounded(server) -> None:
    huge = "SELECT " + " + ".join(["1"] * 40_000)  # ~160,000 characters of valid-looking SQL
    async with Client(server) as client:
        too_big = await client.call_tool("run_query", {"sql": "SELECT 1", "max_chars": HARD_CAP_CHARS + 1})
        unknown = await client.call_tool("describe_object", {"name": "x" * 5_000})
        bad_sql = await client.call_tool("run_query", {"sql": huge})
        expired = await client.call_tool("fetch_result", {"handle": "r999"})
        made_up = await client.call_tool("y" * 100_000, {})  # the SDK's own "Unknown tool: <name>"
    assert too_big.is_error and "max_chars" in too_big.content[0].text
    assert made_up.is_error and made_up.content[0].text.startswith("Unknown tool: yyy")
    for result in (too_big, unknown, bad_sql, expired, made_up):
        assert result.is_error
        assert len(result.content[0].text) < 3_000, result.content[0].text[:200]
    assert "does not exist" in expired.content[0].text


async def test_a_long_call_sends_progress_notifications(server, monkeypatch) -> None:
    monkeypatch.setattr(progress_module, "PROGRESS_EVERY_S", 0.2)
    seen: list[tuple[float, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, message))

    async with Client(server) as client:
        done = await client.call_tool("run_query", {"sql": "SELECT count(*) FROM generate_series(1, 3000000) g"},
                                      progress_callback=on_progress)
    assert not done.is_error
    assert seen, "no progress notification during a call of about a second"
    assert [p for p, _ in seen] == sorted(p for p, _ in seen)
    assert all(m and m.startswith("running run_query (") for _, m in seen)


async def test_progress_reaches_a_client_over_stdio_and_ask_names_its_tools(dsn: str, tmp_path) -> None:
    import os
    import sys
    from pathlib import Path

    from mcp import StdioServerParameters

    dbsage = Path(sys.executable).with_name("dbsage")
    env = {**os.environ, "DBSAGE_STATE_DIR": str(tmp_path), "DBSAGE_MCP_PROGRESS_S": "0.1"}
    seen: list[str] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append(message or "")

    params = StdioServerParameters(command=str(dbsage), args=["mcp", "--db", dsn], env=env)
    async with Client(params) as client:
        counted = await client.call_tool("run_query", {"sql": "SELECT count(*) FROM generate_series(1, 3000000) g"},
                                         progress_callback=on_progress)
        asked = await client.call_tool("ask", {"question": "run SELECT count(*) FROM generate_series(1, 3000000) g"},
                                       progress_callback=on_progress)
    assert not counted.is_error and not asked.is_error
    assert any(m.startswith("running run_query (") for m in seen), seen
    assert any(m.startswith("ask: running run_query (") and "1 step(s) so far" in m for m in seen), seen


def test_fit_document_keeps_the_shape_and_counts_what_it_cut() -> None:
    document = {"name": "t", "rows": [[n, "x" * 300] for n in range(500)], "notes": ["n" * 5_000]}
    fitted, cut = fit_document(document, 4_000)
    assert set(fitted) == {"name", "rows", "notes"} and fitted["name"] == "t"
    assert len(json.dumps(fitted)) <= 4_000
    assert fitted["rows"][0] == [0, "x" * 300] and document["rows"][499][0] == 499  # the input is untouched
    assert any(c.startswith("rows: kept ") and c.endswith(" of 500 items") for c in cut)
    assert "notes[]: 1 long string(s) clipped" in cut
    assert fit_document({"a": 1}, 4_000) == ({"a": 1}, [])


async def test_streamable_http_carries_cut_results_paging_and_progress(dsn: str, tmp_path) -> None:
    import os
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DBSAGE_STATE_DIR": str(tmp_path), "DBSAGE_MCP_PROGRESS_S": "0.1"}
    server = subprocess.Popen([str(Path(sys.executable).with_name("dbsage")), "mcp", "--db", dsn, "--http",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen: list[str] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append(message or "")

    try:
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as knock:
                if knock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert server.poll() is None and time.monotonic() < deadline, "the HTTP server did not start"
            time.sleep(0.1)
        async with Client(f"http://127.0.0.1:{port}/mcp") as client:
            rows = await client.call_tool("run_query", {"sql": "SELECT id, body FROM notes", "max_rows": 1000,
                                                        "max_chars": 2_000})
            page = await client.call_tool("fetch_result", {"handle": rows.structured_content["result_handle"]})
            slow = await client.call_tool("run_query", {"sql": "SELECT count(*) FROM generate_series(1, 3000000) g"},
                                          progress_callback=on_progress)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert len(json.dumps(rows.structured_content)) <= 2_000 and rows.structured_content["result_cut"]
    assert page.structured_content["offset"] == 0 and page.structured_content["next_offset"]
    assert not slow.is_error and any(m.startswith("running run_query (") for m in seen), seen
