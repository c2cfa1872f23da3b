"""The what_if_indexes tool on a real PostgreSQL with hypopg: the caller's hypothetical indexes, each statement's
planner cost before and after, which index each plan uses; bad indexes and refused statements are reported per
entry; nothing is built; without hypopg the call says what to install."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest

from dbsage.agent.toolkit.context import ToolContext
from dbsage.agent.toolkit.registry import call, get_tool
from dbsage.tools.advisor.whatif import parse_index
from dbsage.tools.errors import UsageError
from dbsage.tools.targets import resolve

SHOP = """
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, region text);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL,
                     created_at timestamptz NOT NULL, total numeric NOT NULL);
INSERT INTO customers SELECT g, 'user' || g || '@example.com', 'r' || (g % 20) FROM generate_series(1, 20000) g;
INSERT INTO orders SELECT g, 1 + g % 20000, CASE WHEN g % 50 = 0 THEN 'new' ELSE 'done' END,
                          now() - g * interval '1 minute', g % 500 FROM generate_series(1, 200000) g;
ANALYZE;
"""
BY_CUSTOMER = "SELECT id, total FROM orders WHERE customer_id = 42"
BY_EMAIL = "SELECT id FROM customers WHERE lower(email) = 'user7@example.com'"


@pytest.fixture(scope="module")
def shop(make_pg_db: Callable[..., str]) -> str:
    return make_pg_db(SHOP)


def _indexes(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        return {row[0] for row in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}


def test_an_index_that_helps_and_one_that_does_not(shop: str) -> None:
    before = _indexes(shop)
    ctx = ToolContext(resolve(shop), origin="mcp")
    try:
        outcome = call(ctx, "what_if_indexes", {
            "statements": [BY_CUSTOMER, BY_EMAIL, "SELECT count(*) FROM orders"],
            "indexes": ["CREATE INDEX ON orders (customer_id) INCLUDE (total)", "customers (lower(email))",
                        "orders (status) WHERE status = 'new'"]})
    finally:
        ctx.close()
    assert outcome.ok, outcome.error
    result = outcome.result or {}
    q1, q2, q3 = result["statements"]
    assert q1["cost_after"] < q1["cost_before"] / 10 and q1["change"] < -0.9
    assert any(name.startswith("orders_customer_id") for name in q1["uses_after"]) and q1["uses_before"] == []
    assert q2["cost_after"] < q2["cost_before"] / 2  # no statistics on a hypothetical expression: a default guess
    assert q3["cost_after"] == pytest.approx(q3["cost_before"], rel=0.2)  # a full count is not helped
    by_customer, by_email, partial = result["indexes"]
    assert by_customer["used_by"] == ["q1"] and by_customer["size_bytes"] > 0
    assert by_email["used_by"] == ["q2"] and "lower(email)" in by_email["create_sql"]
    assert partial["used_by"] == [] and "WHERE" in partial["create_sql"]
    assert "q1: planner cost" in outcome.summary and "helps" in outcome.summary
    assert _indexes(shop) == before  # nothing was built


def test_bad_indexes_and_refused_statements_are_reported_per_entry(shop: str) -> None:
    ctx = ToolContext(resolve(shop))
    try:
        outcome = call(ctx, "what_if_indexes", {
            "statements": [BY_CUSTOMER, "DELETE FROM orders", "SELECT pg_sleep(10)"],
            "indexes": ["orders (customer_id)", "nosuch (x)", "CREATE TABLE evil (a int)", "orders (customer_id)",
                        "orders USING gin (status)"]})
    finally:
        ctx.close()
    assert outcome.ok, outcome.error
    result = outcome.result or {}
    good, missing, dropping, again, gin = result["indexes"]
    assert good["error"] is None and good["used_by"] == ["q1"]
    assert "no table 'nosuch'" in missing["error"] and "not one CREATE INDEX" in dropping["error"]
    assert "same index" in again["error"] and "gin" in gin["error"]
    q1, delete, sleep = result["statements"]
    assert q1["cost_after"] < q1["cost_before"]
    assert delete["error"] and (delete["refused"] or "has no plan" in delete["error"])
    assert sleep["refused"]


def test_without_hypopg_the_call_says_what_to_install(make_pg_db: Callable[..., str]) -> None:
    dsn = make_pg_db(SHOP, extensions=())
    ctx = ToolContext(resolve(dsn))
    try:
        outcome = call(ctx, "what_if_indexes", {"statements": [BY_CUSTOMER], "indexes": ["orders (customer_id)"]})
    finally:
        ctx.close()
    assert not outcome.ok and "hypothetical indexes" in (outcome.error or "")
    assert "hypopg" in (outcome.hint or "")


def test_the_tool_is_read_only_and_validates_its_input() -> None:
    assert not get_tool("what_if_indexes").files_proposals
    ctx = ToolContext(resolve("postgresql://nobody@127.0.0.1:9/none"))  # validation comes before any connection
    empty = call(ctx, "what_if_indexes", {"statements": [], "indexes": ["orders (a)"]})
    assert not empty.ok and "bad arguments" in (empty.error or "")


@pytest.mark.parametrize(("text", "create"), [
    ("orders (customer_id)", "ON public.orders (customer_id)"),
    ("CREATE UNIQUE INDEX CONCURRENTLY ix ON shop.orders (customer_id, created_at DESC);",
     "ON shop.orders (customer_id, created_at DESC)"),
    ("orders USING hash (status)", "ON public.orders USING hash (status)"),
    ("orders (lower(status)) INCLUDE (total) WHERE total > 10", "((lower(status))) INCLUDE (total) WHERE total > 10"),
])
def test_index_forms(text: str, create: str) -> None:
    assert create in parse_index(text, {"orders": "public"}).create_sql()


@pytest.mark.parametrize("text", ["orders (a); DROP TABLE orders", "SELECT 1", "orders (", "nosuch (a)"])
def test_index_forms_refused(text: str) -> None:
    with pytest.raises(UsageError):
        parse_index(text, {"orders": "public"})


async def test_mcp_clients_get_the_new_read_only_tools(shop: str, tmp_path, monkeypatch) -> None:
    from mcp import Client

    from dbsage.agent.mcp.server import build_server

    monkeypatch.setenv("DBSAGE_STATE_DIR", str(tmp_path))
    ctx = ToolContext(resolve(shop), origin="mcp")
    try:
        async with Client(build_server(ctx)) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            costed = await client.call_tool("what_if_indexes", {"statements": [BY_CUSTOMER],
                                                                "indexes": ["orders (customer_id)"]})
            busy = await client.call_tool("activity_now", {})
            queue = await client.call_tool("list_proposals", {})
    finally:
        ctx.close()
    for name in ("what_if_indexes", "activity_now", "list_proposals"):
        annotations = tools[name].annotations
        assert annotations and annotations.read_only_hint is True, name
    assert not costed.is_error and "q1: planner cost" in costed.content[0].text
    assert not busy.is_error and not queue.is_error
    assert queue.structured_content["store"].endswith("proposals.sqlite3")
