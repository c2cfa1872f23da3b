"""The router without a model covers every tool it can call on its own: a table of my own paraphrased questions
(none of them an example in agent/nearest.py), each with the tool call a person would expect; at least 90 % must
route right, with the offline embedder and with the keyword rules alone. The statement is cut from the prose around
it, and a "why is this slow" question never files a proposal."""

from __future__ import annotations

from typing import Any

import pytest

from dbsage.agent import nearest
from dbsage.agent.nearest import EXAMPLES
from dbsage.agent.router import extract_sql, route

Q = "SELECT * FROM orders WHERE customer_id = 42"

# question → (tool, arguments the call must include)
CASES: list[tuple[str, str, dict[str, Any]]] = [
    # the six it did not understand
    ("what's eating CPU on this box", "top_statements", {}),
    ("is something holding locks", "activity_now", {}),
    ("are there idle sessions hanging around", "activity_now", {}),
    ("what's our cache hit ratio like", "checkup", {"family": "performance"}),
    ("check my settings please", "checkup", {"family": "configuration"}),
    ("do all foreign keys have indexes", "checkup", {"family": "schema"}),
    # activity now
    ("what queries are executing at this moment", "activity_now", {}),
    ("who's blocking who", "activity_now", {}),
    ("my update seems stuck, is it waiting on something", "activity_now", {}),
    ("show sessions idle in a transaction", "activity_now", {}),
    ("are any transactions open for a long time", "activity_now", {}),
    ("lock contention right now?", "activity_now", {}),
    ("how many connections are open", "activity_now", {}),
    # top
    ("which statements cost the most time in total", "top_statements", {}),
    ("what's the heaviest sql", "top_statements", {}),
    ("slowest queries on average", "top_statements", {}),
    ("what hogs the server", "top_statements", {}),
    # checkup and its families
    ("run a full checkup", "checkup", {}),
    ("anything I should worry about on this db", "checkup", {}),
    ("tables lacking a primary key?", "checkup", {"family": "schema"}),
    ("is the cache big enough for the working set", "checkup", {"family": "performance"}),
    ("do we spill sorts to disk", "checkup", {"family": "performance"}),
    ("are my config parameters sane", "checkup", {"family": "configuration"}),
    ("is shared_buffers sized right", "checkup", {"family": "configuration"}),
    ("which tables need a vacuum", "checkup", {"family": "maintenance"}),
    ("lots of dead tuples anywhere?", "checkup", {"family": "maintenance"}),
    ("are statistics out of date", "checkup", {"family": "maintenance"}),
    ("is the server secure", "checkup", {"family": "security"}),
    ("which roles are superusers", "checkup", {"family": "security"}),
    ("is the connection encrypted with ssl", "checkup", {"family": "security"}),
    ("is the standby lagging", "checkup", {"family": "reliability"}),
    ("are WAL archives being written", "checkup", {"family": "reliability"}),
    ("any replication slot holding wal", "checkup", {"family": "reliability"}),
    ("unused indexes?", "checkup", {"family": "indexes"}),
    ("show me redundant indexes", "checkup", {"family": "indexes"}),
    # advice
    ("what indexes would you add", "advise_indexes", {"propose": False}),
    ("index recommendations for this database", "advise_indexes", {"propose": False}),
    ("propose the indexes you'd create", "advise_indexes", {"propose": True}),
    # proposals queue
    ("what proposals are waiting", "list_proposals", {}),
    ("show me the pending proposals", "list_proposals", {"status": "pending"}),
    ("anything in the approval queue?", "list_proposals", {}),
    # schema
    ("what tables do we have", "list_objects", {}),
    ("give me an overview of what's in here", "list_objects", {}),
    ("describe the customers table", "describe_object", {"name": "customers"}),
    ("what columns does table invoices have", "describe_object", {"name": "invoices"}),
    ("structure of order_items", "describe_object", {"name": "order_items"}),
    # statements, with prose around them
    (f"why is this slow: {Q} ? it takes ages", "explain_query", {"sql": Q}),
    (f"{Q} -- why is it slow?", "explain_query", {"sql": Q}),
    (f"can you explain {Q}. thanks", "explain_query", {"sql": Q}),
    (f"run {Q}; then tell me what you see", "run_query", {"sql": Q}),
    (f"show the plan for {Q} please", "explain_query", {"sql": Q}),
    (f"{Q} is really slow, any ideas", "explain_query", {"sql": Q}),
    (f"would an index on orders (customer_id) help {Q}", "what_if_indexes",
     {"statements": [Q], "indexes": ["orders (customer_id)"]}),
    (f"what if I add CREATE INDEX ON orders (customer_id, created_at) — is {Q} faster?", "what_if_indexes",
     {"indexes": ["orders (customer_id, created_at)"]}),
    ("draft a migration to add an index on orders (customer_id)", "draft_migration",
     {"intent": "add-index", "table": "orders", "columns": ["customer_id"]}),
    ("draft a migration adding a unique index on users (email)", "draft_migration",
     {"intent": "add-unique", "table": "users", "columns": ["email"]}),
    # knowledge
    ("how do I add a NOT NULL column to a busy table", "search_knowledge", {}),
    ("what is the best way to delete millions of rows", "search_knowledge", {}),
    ("why does my query ignore the index on a jsonb column", "search_knowledge", {}),
    ("how should I size the connection pool", "search_knowledge", {}),
    ("when should I use a BRIN index", "search_knowledge", {}),
    ("how do I kill a blocking session safely", "search_knowledge", {}),
]


def _routed_right(question: str, tool: str, arguments: dict[str, Any]) -> bool:
    routed = route(question)
    if routed is None:
        return False
    return any(name == tool and all(args.get(k) == v for k, v in arguments.items()) for name, args in routed[1])


def test_no_case_is_an_example() -> None:
    examples = {e.lower() for values in EXAMPLES.values() for e in values}
    assert not [q for q, _, _ in CASES if q.lower() in examples]


def test_every_tool_the_router_can_call_alone_is_covered() -> None:
    from dbsage.agent.toolkit.registry import registry

    needs_more_than_a_question = {"fetch_result", "file_proposal"}  # a handle; a change with its down, from a model
    assert set(registry()) - needs_more_than_a_question <= {tool for _, tool, _ in CASES}


def test_paraphrases_route_right_with_the_embedder() -> None:
    assert len(CASES) >= 60
    wrong = [(q, tool) for q, tool, args in CASES if not _routed_right(q, tool, args)]
    assert len(wrong) <= len(CASES) // 10, wrong


def test_paraphrases_route_right_with_keywords_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nearest, "nearest_intents", lambda question: None)  # as without the embedder installed
    wrong = [(q, tool) for q, tool, args in CASES if not _routed_right(q, tool, args)]
    assert len(wrong) <= len(CASES) // 10, wrong


@pytest.mark.parametrize(("question", "sql"), [
    (f"why is this slow: {Q} ? it takes ages", Q),
    (f"{Q}. Why is it slow?", Q),
    (f"{Q}; thanks", Q),
    (f"{Q} it takes 5 seconds", Q),
    (f"{Q} and why does it scan", Q),
    (f"{Q} — any ideas?", Q),
    ("SELECT * FROM t WHERE a = ? AND b = ? is slow", "SELECT * FROM t WHERE a = ? AND b = ?"),
    ("SELECT 'why? it is. thanks' FROM t it takes ages", "SELECT 'why? it is. thanks' FROM t"),
    ("SELECT o.total * 1.5 FROM orders o WHERE o.id IN (1, 2) please help", "SELECT o.total * 1.5 FROM orders o "
     "WHERE o.id IN (1, 2)"),
    ("SELECT a.x FROM a JOIN b ON b.id = a.id\n\nit got slow after the upgrade",
     "SELECT a.x FROM a JOIN b ON b.id = a.id"),
    ("SELECT count(*) FROM events WHERE kind = 'a-b' - is that a seq scan?", "SELECT count(*) FROM events WHERE kind "
     "= 'a-b'"),
])
def test_the_statement_is_cut_from_the_prose(question: str, sql: str) -> None:
    assert extract_sql(question) == sql


@pytest.mark.parametrize("sql", [
    "SELECT total - discount FROM orders WHERE paid - refunded > 3",
    "SELECT id FROM docs WHERE tags ? 'urgent' AND meta ?| array['a', 'b']",
    "SELECT a FROM t WHERE b = ? AND c IN (?, ?)",
    "SELECT 1.5 * price FROM items WHERE name = 'Mr. Smith'",
])
def test_sql_alone_is_kept_whole(sql: str) -> None:
    assert extract_sql(sql) == sql and extract_sql(f"is {sql} slow?") == sql


@pytest.mark.parametrize("question", [f"why is this slow: {Q}", f"{Q} is slow", "why is everything so slow today",
                                      f"how can I make {Q} faster"])
def test_a_why_slow_question_files_nothing(question: str) -> None:
    routed = route(question)
    assert routed is None or not any(args.get("propose") for _, args in routed[1])
    assert routed is None or "file_proposal" not in [tool for tool, _ in routed[1]]


BLOCKING_SHOP = """
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total numeric NOT NULL);
INSERT INTO orders SELECT g, g % 5000, g % 300 FROM generate_series(1, 50000) g;
ANALYZE;
"""


def test_the_new_intents_answer_from_a_real_database(make_pg_db, tmp_path, monkeypatch) -> None:
    from dbsage.agent.router import answer
    from dbsage.agent.toolkit.context import ToolContext
    from dbsage.tools.targets import resolve

    monkeypatch.setenv("DBSAGE_STATE_DIR", str(tmp_path))
    ctx = ToolContext(resolve(make_pg_db(BLOCKING_SHOP)), origin="router")
    try:
        busy = answer(ctx, "are there any locks or blocked sessions right now?")
        what_if = answer(ctx, f"would an index on orders (customer_id) help {Q} ? it takes ages")
        cache = answer(ctx, "what's the cache hit ratio")
        queue = answer(ctx, "which proposals are pending")
    finally:
        ctx.close()
    assert [c.tool for c in busy.tool_calls] == ["activity_now"] and busy.tool_calls[0].ok
    assert "activity at" in busy.answer
    [costed] = what_if.tool_calls
    assert costed.tool == "what_if_indexes" and costed.ok, costed.error
    assert costed.arguments["statements"] == [Q]
    statement = (costed.result or {})["statements"][0]
    assert statement["cost_after"] < statement["cost_before"] and "helps" in what_if.answer
    assert [(c.tool, c.arguments) for c in cache.tool_calls] == [("checkup", {"family": "performance"})]
    assert [c.tool for c in queue.tool_calls] == ["list_proposals"] and "no proposals match" in queue.answer
