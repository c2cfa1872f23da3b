"""The plain router: intents recognised from words, tools run directly against a real PostgreSQL, no model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dbsage.agent.answer import NO_MODEL_NOTE
from dbsage.agent.cli.app import app
from dbsage.agent.router import answer, extract_sql, route
from dbsage.agent.toolkit import ToolContext
from dbsage.tools.targets import resolve

SQL = "SELECT * FROM orders WHERE customer_id = 42"


@pytest.mark.parametrize(("question", "intent", "tools"), [
    (f"why is this query slow: {SQL};", "query", ["explain_query", "advise_indexes"]),
    (f"explain {SQL}", "query", ["explain_query"]),
    (f"run {SQL}", "query", ["run_query"]),
    ("what is slow?", "top", ["top_statements"]),
    ("show me the heaviest statements", "top", ["top_statements"]),
    ("check health", "checkup", ["checkup"]),
    ("what is wrong with my database?", "checkup", ["checkup"]),
    ("suggest indexes", "advise", ["advise_indexes"]),
    ("describe table orders", "describe", ["describe_object"]),
    ("which indexes are unused?", "index health", ["checkup"]),
    ("any duplicate indexes?", "index health", ["checkup"]),
    ("what tables are there?", "list", ["list_objects"]),
])
def test_intents(question: str, intent: str, tools: list[str]) -> None:
    routed = route(question)
    assert routed is not None
    assert (routed[0], [tool for tool, _ in routed[1]]) == (intent, tools)


@pytest.mark.parametrize(("question", "name"), [
    ("describe table orders", "orders"),
    ("what does the orders table look like?", "orders"),
    ("show the public.orders table", "public.orders"),
    ("describe `order_items`", "order_items"),
    ("what is slow?", None),
    ("tell me about table customers", "customers"),
])
def test_describe_finds_the_table_name(question: str, name: str | None) -> None:
    routed = route(question)
    if name is None:
        assert routed is None or routed[0] != "describe"
    else:
        assert routed == ("describe", [("describe_object", {"name": name})])


@pytest.mark.parametrize(("question", "sql"), [
    (f"why is this query slow: {SQL};", SQL),
    (f"is ```sql\n{SQL}\n``` slow?", SQL),
    (f"is `{SQL}` slow?", SQL),
    ("what is wrong with my database", None),
    ("select the best index for me", None),
    ("WITH x AS (SELECT 1) SELECT * FROM x", "WITH x AS (SELECT 1) SELECT * FROM x"),
])
def test_extract_sql(question: str, sql: str | None) -> None:
    assert extract_sql(question) == sql


def test_slow_query_advises_but_files_proposals_only_when_asked() -> None:
    routed = route(f"why is this query slow: {SQL}")
    assert routed and routed[1][1] == ("advise_indexes", {"statements": [SQL], "propose": False})
    asked = route(f"propose indexes for {SQL}")
    assert asked and asked[1][1] == ("advise_indexes", {"statements": [SQL], "propose": True})
    assert route("suggest indexes") == ("advise", [("advise_indexes", {"propose": False})])
    assert route("propose indexes") == ("advise", [("advise_indexes", {"propose": True})])


SHOP = """
CREATE TABLE orders (id int PRIMARY KEY, customer_id int, total numeric);
COMMENT ON TABLE orders IS 'one row per order';
INSERT INTO orders SELECT g, g % 100, g FROM generate_series(1, 1000) g;
ANALYZE;
"""


@pytest.fixture(scope="module")
def dsn(make_pg_db) -> str:
    return make_pg_db(SHOP)


@pytest.fixture(autouse=True)
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("DBSAGE_STATE_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_describe_runs_the_tool_and_says_a_model_would_help(dsn: str) -> None:
    ctx = ToolContext(resolve(dsn), origin="router")
    try:
        result = answer(ctx, "describe table orders")
    finally:
        ctx.close()
    assert result.mode == "router" and result.notes == [NO_MODEL_NOTE]
    assert result.tool_calls[0].ok and result.tool_calls[0].result["name"] == "orders"
    assert "≈1000 rows" in result.answer and "'one row per order'" in result.answer
    assert "no model configured" in result.answer


def test_unrecognised_question_lists_what_the_router_knows(dsn: str) -> None:
    ctx = ToolContext(resolve(dsn), origin="router")
    result = answer(ctx, "tell me a joke")
    assert result.tool_calls == [] and "describe table orders" in result.answer and "suggest indexes" in result.answer


def test_ask_command_json_without_a_model(dsn: str, state) -> None:
    run = CliRunner().invoke(app, ["ask", "describe table orders", "--db", dsn, "--format", "json"])
    assert run.exit_code == 0, run.output
    document = json.loads(run.stdout)
    assert (document["dbsage"], document["command"], document["mode"]) == (1, "ask", "router")
    assert set(document) >= {"question", "answer", "tool_calls", "proposals", "notes", "transcript"}
    call = document["tool_calls"][0]
    assert (call["tool"], call["arguments"], call["ok"]) == ("describe_object", {"name": "orders"}, True)
    transcript = [json.loads(line) for line in Path(document["transcript"]).read_text().splitlines()]
    assert [e["event"] for e in transcript] == ["start", "user", "tool", "answer"]
    assert str(state) in document["transcript"]


def test_ask_command_table_output(dsn: str) -> None:
    run = CliRunner().invoke(app, ["ask", "describe table orders", "--db", dsn])
    assert run.exit_code == 0, run.output
    assert "column customer_id integer" in run.stdout and "describe_object" in run.stdout


@pytest.mark.parametrize(("question", "tool", "ok", "words"), [
    ("describe table items", "describe_object", True, "column name varchar(40)"),
    ("run SELECT name FROM items ORDER BY id", "run_query", True, "2 row(s)"),
    ("run SELECT 1 FROM items INTO OUTFILE '/tmp/x'", "run_query", False, "refused"),
])
def test_router_on_mariadb(make_mysql_db, question: str, tool: str, ok: bool, words: str) -> None:
    dsn = make_mysql_db("CREATE TABLE items (id int PRIMARY KEY, name varchar(40));\n"
                        "INSERT INTO items VALUES (1, 'a'), (2, 'b');")
    ctx = ToolContext(resolve(dsn), origin="router")
    try:
        result = answer(ctx, question)
    finally:
        ctx.close()
    [call] = result.tool_calls
    assert (call.tool, call.ok) == (tool, ok)
    assert words in result.answer
