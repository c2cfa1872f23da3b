"""The MongoDB guard: only read commands, no server-side JavaScript or writing stages anywhere in a command,
maxTimeMS always on what is sent, results bounded and cursors closed. Executed against SecantusDB (MongoDB wire)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pymongo
import pytest
from pymongo import monitoring

from dbsage.tools.engines import SessionLimits, connect
from dbsage.tools.engines.mongo.adapter import MongoEngine
from dbsage.tools.errors import GuardRefusal
from dbsage.tools.guard import check_mongo
from dbsage.tools.targets import resolve

REFUSED: list[tuple[Any, str]] = [
    ({"insert": "orders", "documents": [{"x": 1}]}, "not a read-only command"),
    ({"update": "orders", "updates": [{"q": {}, "u": {"$set": {"s": "x"}}}]}, "not a read-only command"),
    ({"delete": "orders", "deletes": [{"q": {}, "limit": 0}]}, "not a read-only command"),
    ({"findAndModify": "orders", "query": {}, "remove": True}, "not a read-only command"),
    ({"drop": "orders"}, "not a read-only command"),
    ({"dropDatabase": 1}, "not a read-only command"),
    ({"create": "stolen"}, "not a read-only command"),
    ({"createIndexes": "orders", "indexes": [{"key": {"s": 1}, "name": "s_1"}]}, "not a read-only command"),
    ({"dropIndexes": "orders", "index": "*"}, "not a read-only command"),
    ({"renameCollection": "shop.orders", "to": "shop.x"}, "not a read-only command"),
    ({"createUser": "x", "pwd": "y", "roles": []}, "not a read-only command"),
    ({"shutdown": 1}, "not a read-only command"),
    ({"eval": "db.orders.drop()"}, "eval runs JavaScript"),
    ({"$eval": "db.orders.drop()"}, "eval runs JavaScript"),
    ({"mapReduce": "orders", "map": "function(){}", "reduce": "function(){}", "out": "x"}, "mapReduce"),
    ({"killOp": 1, "op": 123}, "killOp ends other operations"),
    ({"killCursors": "orders", "cursors": [1]}, "killCursors"),
    ({"getMore": 123, "collection": "orders"}, "getMore"),
    ({"setParameter": 1, "logLevel": 5}, "setParameter"),
    ({"profile": 2}, "profiler level"),
    ({"fsync": 1, "lock": True}, "fsync locks"),
    ({"validate": "orders"}, "validate locks"),
    ({"compact": "orders"}, "compact rewrites"),
    ({"aggregate": "orders", "pipeline": [{"$out": "stolen"}]}, "$out writes a collection"),
    ({"aggregate": "orders", "pipeline": [{"$merge": {"into": "stolen"}}]}, "$merge writes a collection"),
    ({"aggregate": "orders", "pipeline": [{"$lookup": {"from": "x", "pipeline": [{"$out": "y"}], "as": "z"}}]},
     "$out"),
    ({"aggregate": "orders", "pipeline": [{"$facet": {"a": [{"$merge": "y"}]}}]}, "$merge"),
    ({"aggregate": "orders", "pipeline": [{"$unionWith": {"coll": "x", "pipeline": [{"$out": "y"}]}}]}, "$out"),
    ({"find": "orders", "filter": {"$where": "sleep(10000) || true"}}, "$where runs JavaScript"),
    ({"find": "orders", "filter": {"a": {"$elemMatch": {"$where": "true"}}}}, "$where"),
    ({"find": "orders", "filter": {"$expr": {"$function": {"body": "function(){return 1}", "args": [], "lang": "js"}}}},
     "$function runs JavaScript"),
    ({"aggregate": "orders", "pipeline": [{"$group": {"_id": None, "x": {"$accumulator": {
        "init": "function(){}", "accumulate": "function(){}", "accumulateArgs": [], "merge": "function(){}",
        "lang": "js"}}}}]}, "$accumulator runs JavaScript"),
    ({"aggregate": "orders", "pipeline": [{"$changeStream": {}}]}, "never ends"),
    ({"explain": {"delete": "orders", "deletes": []}}, "explain only of find"),
    ({"explain": {"aggregate": "orders", "pipeline": [{"$out": "x"}]}}, "$out"),
    ({"explain": {"find": "orders"}, "verbosity": "everything"}, "verbosity"),
    ({"aggregate": "orders"}, "needs a pipeline"),
    ({}, "one non-empty command document"),
    ("db.orders.drop()", "one non-empty command document"),
    ({"find": "orders", "writeConcern": {"w": 1}}, "write concern"),
    ({"find": "system.users"}, "password hashes"),
    ({"aggregate": "orders", "pipeline": [{"$lookup": {"from": "system.users", "localField": "a",
                                                       "foreignField": "b", "as": "c"}}]}, "password hashes"),
    ({"aggregate": "orders", "pipeline": [{"$unionWith": "system.keys"}]}, "signing keys"),
    ({"count": "system.users"}, "password hashes"),
]

LEGIT: list[dict[str, Any]] = [
    {"find": "orders", "filter": {"s": "new"}},
    {"find": "orders", "filter": {"n": {"$gte": 10}}, "projection": {"n": 1}, "sort": {"n": -1}, "limit": 3},
    {"aggregate": "orders", "pipeline": [{"$group": {"_id": "$s", "c": {"$sum": 1}}}, {"$sort": {"c": -1}}]},
    {"aggregate": "orders", "pipeline": [{"$match": {"n": {"$lt": 5}}}, {"$project": {"n": 1, "_id": 0}}]},
    {"aggregate": "orders",
     "pipeline": [{"$facet": {"low": [{"$match": {"n": {"$lt": 5}}}], "all": [{"$count": "n"}]}}]},
    {"count": "orders", "query": {"s": "old"}},
    {"distinct": "orders", "key": "s"},
    {"explain": {"find": "orders", "filter": {"n": 3}}, "verbosity": "executionStats"},
    {"explain": {"aggregate": "orders", "pipeline": [{"$match": {"s": "new"}}], "cursor": {}}},
    {"listCollections": 1},
    {"listIndexes": "orders"},
    {"collStats": "orders"},
    {"dbStats": 1},
    {"serverStatus": 1},
    {"buildInfo": 1},
    {"ping": 1},
    {"connectionStatus": 1},
    {"listDatabases": 1},  # admin-only commands go to the admin database
    {"currentOp": 1},
]


class CommandLog(monitoring.CommandListener):
    def __init__(self) -> None:
        self.commands: list[dict[str, Any]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.commands.append(dict(event.command))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


LOG = CommandLog()
monitoring.register(LOG)  # clients created after this report every command they send


@pytest.fixture(scope="module")
def shop_uri(mongo_uri: str) -> str:
    uri = mongo_uri.replace("/?", "/shop?")
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(uri)
    try:
        client.shop.orders.insert_many([{"_id": i, "s": "new" if i % 2 else "old", "n": i} for i in range(50)])
    finally:
        client.close()
    return uri


@pytest.fixture(scope="module")
def engine(shop_uri: str) -> Iterator[MongoEngine]:
    engine = connect(resolve(shop_uri), SessionLimits(statement_timeout_ms=2_000, max_rows=10))
    assert isinstance(engine, MongoEngine)
    yield engine
    engine.close()


def shop_state(uri: str) -> tuple[object, ...]:
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(uri)
    try:
        docs = sorted((d["_id"], d["s"], d["n"]) for d in client.shop.orders.find())
        return tuple(docs), tuple(sorted(client.shop.list_collection_names())), tuple(client.list_database_names())
    finally:
        client.close()


@pytest.mark.parametrize(("operation", "reason"), REFUSED, ids=[f"refuse-{i}" for i in range(len(REFUSED))])
def test_guard_refuses_with_a_reason(operation: Any, reason: str) -> None:
    with pytest.raises(GuardRefusal) as refused:
        check_mongo(operation)
    assert reason in refused.value.message


@pytest.mark.parametrize("operation", LEGIT, ids=[f"legit-{i}" for i in range(len(LEGIT))])
def test_read_commands_run(engine: MongoEngine, operation: dict[str, Any]) -> None:
    result = engine.run_mongo(operation)
    assert result.columns and result.row_count >= 1
    assert result.row_count <= engine.limits.max_rows


@pytest.mark.parametrize(("requested", "sent"), [(None, 5000), (0, 5000), (60_000, 5000), (200, 200), ("x", 5000)])
def test_max_time_ms_is_always_set_and_never_above_the_limit(requested: Any, sent: int) -> None:
    operation: dict[str, Any] = {"find": "orders"}
    if requested is not None:
        operation["maxTimeMS"] = requested
    assert check_mongo(operation, max_time_ms=5000).command["maxTimeMS"] == sent
    explained = check_mongo({"explain": {"find": "orders"}}, max_time_ms=5000).command
    assert explained["explain"]["maxTimeMS"] == 5000  # on the command that actually runs


def test_every_read_sent_to_the_server_carries_max_time_ms(engine: MongoEngine) -> None:
    LOG.commands.clear()
    engine.run_mongo({"find": "orders", "filter": {}})
    engine.run_mongo({"aggregate": "orders", "pipeline": [{"$match": {}}]})
    engine.run_mongo({"count": "orders"})
    reads = [c for c in LOG.commands if next(iter(c)) in ("find", "aggregate", "count")]
    assert len(reads) == 3
    assert all(0 < c["maxTimeMS"] <= 2_000 for c in reads)


def test_results_are_capped_and_the_cursor_is_closed(engine: MongoEngine) -> None:
    LOG.commands.clear()
    result = engine.run_mongo({"find": "orders", "filter": {}})
    assert result.row_count == 10 and result.truncated
    assert "more than 10" in (result.truncated_reason or "")
    sent = [next(iter(c)) for c in LOG.commands]
    assert "getMore" not in sent  # nothing past the cap was fetched
    small = engine.run_mongo({"find": "orders", "filter": {"n": {"$lt": 3}}})
    assert small.row_count == 3 and not small.truncated


def test_refused_operations_change_nothing_and_never_reach_the_server(engine: MongoEngine, shop_uri: str) -> None:
    before = shop_state(shop_uri)
    LOG.commands.clear()
    for operation, _ in REFUSED:
        with pytest.raises(GuardRefusal):
            engine.run_mongo(operation)
    assert LOG.commands == []
    assert shop_state(shop_uri) == before
