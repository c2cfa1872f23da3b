"""MongoDB `explain`, `top`, `check` and `advise`: live on SecantusDB (a MongoDB-wire server) where it produces what
the feature reads, and on recorded mongod documents (tests/fixtures/mongod/, see its README) where it does not.

Which is which:
- live on SecantusDB: the shell/JSON parser end to end (`dbsage explain` exit codes), explain's winning plan and
  totals (COLLSCAN, SORT, IXSCAN/FETCH, `$lookup` stages), the profiler's op/ns/command/millis (`top`, the shapes
  `check` and `advise` read), `$currentOp`, collections/indexes/samples/serverStatus/getCmdLineOpts/usersInfo
  (`check`), building candidates on a scratch database and explaining them again (`advise --scratch`), the planted
  problems of the fixture below.
- recorded (SecantusDB lacks them): per-stage executionStages figures under a SORT, `indexBounds`, `rejectedPlans`,
  `allPlansExecution`, a FETCH filter with docsExamined ≫ nReturned, `$lookup` execution figures
  (`collectionScans`), profiler `planSummary`/`keysExamined`/`docsExamined`/`nreturned`/getMore, and real
  `$indexStats` counters (SecantusDB reports ops 0 and no `since`, so `check` skips unused indexes there and says so).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pymongo
import pytest
from bson import json_util

from cli import run_dbsage
from dbsage.tools.advisor.advisor import AdviseOptions, advise_database
from dbsage.tools.advisor.mongo_shape import esr_index, esr_problem, provides_order, query_shape
from dbsage.tools.advisor.workload import load_files
from dbsage.tools.checks.mongo_rules import RULES, MongoThresholds
from dbsage.tools.engines import SessionLimits, connect
from dbsage.tools.engines.mongo.adapter import MongoEngine
from dbsage.tools.engines.mongo.checks import index_usage_rows
from dbsage.tools.engines.mongo.profiler import group_profile
from dbsage.tools.errors import CapabilityMissing, GuardRefusal, UsageError
from dbsage.tools.explain.mongo_insights import (
    MongoCollectionFacts,
    MongoExplainContext,
    MongoIndexFacts,
    mongo_insights,
)
from dbsage.tools.explain.mongo_plan import parse_explain, to_plan
from dbsage.tools.guard.mongo_shell import ShellValue, parse_mongo_query, split_shell
from dbsage.tools.targets import resolve

FIXTURES = Path(__file__).parent / "fixtures" / "mongod"


def recorded(name: str) -> Any:
    return json_util.loads((FIXTURES / name).read_text(encoding="utf-8"))


def with_db(uri: str, db: str) -> str:
    head, _, query = uri.partition("/?")
    return f"{head}/{db}?{query}"


# -- the shell-syntax parser -------------------------------------------------------------------------------------

PARSED: list[tuple[str, dict[str, Any]]] = [
    ("db.orders.find({status: 'new'}).sort({created: -1}).limit(10)",
     {"find": "orders", "filter": {"status": "new"}, "sort": {"created": -1}, "limit": 10}),
    ("db.orders.find({a: 1}, {total: 1, _id: 0}).skip(5).hint('a_1')",
     {"find": "orders", "filter": {"a": 1}, "projection": {"total": 1, "_id": 0}, "skip": 5, "hint": "a_1"}),
    ('db.getCollection("order.items").findOne({"x.y": 2})',
     {"find": "order.items", "filter": {"x.y": 2}, "limit": 1}),
    ("db.orders.aggregate([{$match: {status: 'paid'}}, {$group: {_id: '$customer_id', n: {$sum: 1}}},])",
     {"aggregate": "orders", "pipeline": [{"$match": {"status": "paid"}},
                                          {"$group": {"_id": "$customer_id", "n": {"$sum": 1}}}], "cursor": {}}),
    ("db.orders.countDocuments({status: 'new'}) // how many", {"count": "orders", "query": {"status": "new"}}),
    ("db.orders.distinct('status', {total: {$gt: 5}})",
     {"distinct": "orders", "key": "status", "query": {"total": {"$gt": 5}}}),
    ("db.system.profile.find({}).limit(1)", {"find": "system.profile", "filter": {}, "limit": 1}),
    ('{"find": "orders", "filter": {"status": "new"}}', {"find": "orders", "filter": {"status": "new"}}),
    ("{find: 'orders', /* relaxed */ filter: {n: -1.5e3, ok: true, gone: null},}",
     {"find": "orders", "filter": {"n": -1500.0, "ok": True, "gone": None}}),
]


@pytest.mark.parametrize(("text", "command"), PARSED, ids=[t[:40] for t, _c in PARSED])
def test_queries_are_read_into_command_documents(text: str, command: dict[str, Any]) -> None:
    assert parse_mongo_query(text).command == command


def test_shell_constructors_stay_literals_and_become_bson() -> None:
    from bson import Int64, ObjectId, Regex

    from dbsage.tools.engines.mongo.literals import to_bson

    query = parse_mongo_query("db.o.find({_id: ObjectId('5f1d7f0b1c9d440000a1b2c3'), at: ISODate('2024-01-01'), "
                              "n: NumberLong('7'), name: /^ab\\/c/i, d: new Date('2024-02-01T10:00:00Z')})")
    fields = query.command["filter"]
    assert fields["_id"] == ShellValue("ObjectId", ("5f1d7f0b1c9d440000a1b2c3",))
    assert fields["name"] == ShellValue("RegExp", ("^ab/c", "i"))
    converted = to_bson(query.command)["filter"]
    assert converted["_id"] == ObjectId("5f1d7f0b1c9d440000a1b2c3") and converted["n"] == Int64(7)
    assert converted["at"] == datetime(2024, 1, 1, tzinfo=UTC) and isinstance(converted["name"], Regex)
    assert to_bson({"x": {"$oid": "5f1d7f0b1c9d440000a1b2c3"}})["x"] == ObjectId("5f1d7f0b1c9d440000a1b2c3")
    assert parse_mongo_query("db.o.find({}).explain('allPlansExecution')").verbosity == "allPlansExecution"


REFUSED = [
    ("db.orders.insertOne({a: 1})", "insertOne writes documents"),
    ("db.orders.updateMany({}, {$set: {a: 1}})", "updateMany writes documents"),
    ("db.orders.deleteMany({})", "deleteMany writes documents"),
    ("db.orders.createIndex({a: 1})", "createIndex changes indexes"),
    ("db.orders.drop()", "drop changes or removes the collection"),
    ("db.orders.mapReduce('function(){}', 'function(){}', {out: 'x'})", "mapReduce runs JavaScript"),
    ("db.dropDatabase()", "dropDatabase removes the database"),
    ("db.orders.find({}).forEach(function (d) { printjson(d) })", "forEach runs JavaScript"),
    ("db.orders.find({$where: function () { return true }})", "JavaScript function"),
    ("db.orders.find({}).map(d => d._id)", "JavaScript function (=>)"),
    ("db.orders.find({a: sleep(1000)})", "calls sleep()"),
    ("db.orders.find({}); db.orders.drop()", "one query at a time"),
    ("db.orders.aggregate([{$match: {}}, {$out: 'stolen'}])", "$out writes a collection"),
    ("db.orders.aggregate([{$merge: {into: 'stolen'}}])", "$merge writes a collection"),
    ("db.orders.find({$where: 'sleep(100) || true'})", "$where runs JavaScript"),
    ("db.orders.aggregate([{$addFields: {x: {$function: {body: 'f', args: [], lang: 'js'}}}}])",
     "$function runs JavaScript"),
    ('{"insert": "orders", "documents": [{"a": 1}]}', "not a read-only command"),
    ("db.runCommand({drop: 'orders'})", "not a read-only command"),
]


@pytest.mark.parametrize(("text", "reason"), REFUSED, ids=[t[:40] for t, _r in REFUSED])
def test_anything_but_a_read_is_refused_with_exit_3(text: str, reason: str) -> None:
    # nothing listens on port 1: a refusal must come before any connection
    result = run_dbsage("explain", "--db", "mongodb://127.0.0.1:1/shop?serverSelectionTimeoutMS=300", text)
    assert result.returncode == 3, result.stderr
    assert "refused" in result.stderr and reason in result.stderr


def test_text_that_is_not_a_query_is_a_usage_error() -> None:
    for text in ("db.orders.find({a: someVariable})", "db.orders.find({a: 1", "select * from orders", "  "):
        with pytest.raises(UsageError):
            parse_mongo_query(text)
    with pytest.raises(GuardRefusal, match="not a read dbsage knows"):
        parse_mongo_query("db.orders.bulkWriteSomething({})")


def test_js_files_split_into_queries(tmp_path: Path) -> None:
    assert split_shell("db.a.find({x: ';'})\n  .sort({y: 1})\n// c\ndb.b.aggregate([\n{$match: {}}\n]);db.c.find()") \
        == ["db.a.find({x: ';'})\n  .sort({y: 1})\n// c", "db.b.aggregate([\n{$match: {}}\n])", "db.c.find()"]
    (tmp_path / "a.js").write_text("db.a.find({x: 1})\ndb.a.find({x: 2})\n")
    (tmp_path / "b.json").write_text('[{"find": "a", "filter": {"y": 1}}, {"count": "a"}]')
    (tmp_path / "notes.txt").write_text("ignored")
    loaded = load_files(tmp_path)
    assert [s.id for s in loaded] == ["a.js#1", "a.js#2", "b.json#1", "b.json#2"]
    assert parse_mongo_query(loaded[2].sql).command == {"find": "a", "filter": {"y": 1}}


# -- shapes and the ESR rule -------------------------------------------------------------------------------------


def test_shape_and_esr_index() -> None:
    shape = query_shape({"find": "orders", "filter": {"status": "new", "created": {"$gte": 5}, "deleted": False},
                         "sort": {"total": -1}, "projection": {"total": 1, "_id": 0}})
    assert shape is not None
    assert (shape.equality, shape.sort, shape.ranges) == (["status", "deleted"], [("total", -1)], ["created"])
    index = esr_index(shape)
    assert index is not None and index.keys == [("status", 1), ("total", -1), ("created", 1)]
    assert index.partial == {"deleted": False}  # constant: a partial index, not a key
    assert 'partialFilterExpression: {deleted: false}' in index.create_js()
    covering = esr_index(query_shape({"find": "o", "filter": {"a": 1}, "projection": {"b": 1, "_id": 0}}))
    assert covering is not None and covering.covering and covering.keys == [("a", 1), ("b", 1)]
    assert esr_problem([("created", 1), ("status", 1)], shape) is not None
    assert esr_problem([("status", 1), ("total", -1), ("created", 1)], shape) is None
    assert provides_order([("status", 1), ("total", 1)], shape)  # read backwards
    assert provides_order([("total", -1)], shape) and not provides_order([("created", 1), ("total", -1)], shape)
    same = query_shape({"find": "orders", "filter": {"status": "paid", "created": {"$gte": 9}, "deleted": False},
                        "sort": {"total": -1}, "projection": {"total": 1, "_id": 0}})
    assert same is not None and same.key == shape.key


# -- explain on recorded mongod documents ------------------------------------------------------------------------


def _orders(count: int, *indexes: tuple[str, list[tuple[str, int]]]) -> MongoExplainContext:
    return MongoExplainContext(collections=[MongoCollectionFacts(
        name="orders", count=count, indexes=[MongoIndexFacts(name=n, keys=k) for n, k in indexes])])


def test_recorded_collscan_under_a_sort() -> None:
    plan = parse_explain(recorded("explain_find_collscan_sort.json"))
    assert [s.stage for s in plan.stages()] == ["SORT", "COLLSCAN"]
    assert plan.stages()[1].docs_examined == 250_000 and plan.stages()[1].n_returned == 83_120
    command = recorded("explain_find_collscan_sort.json")["command"]
    insights = {i.rule: i for i in mongo_insights(plan, command, _orders(250_000, ("_id_", [("_id", 1)])))}
    assert insights["mongo_collscan"].node_id == 1 and insights["mongo_collscan"].severity == "high"
    assert "createIndex({status: 1, total: -1}" in (insights["mongo_collscan"].fix or "")
    assert insights["mongo_in_memory_sort"].evidence["documents_sorted"] == 83_120
    neutral = to_plan(plan)
    assert neutral.analyzed and neutral.nodes()[1].hot and neutral.nodes()[1].share > 0.5


def test_recorded_sort_an_existing_index_could_provide() -> None:
    plan = parse_explain(recorded("explain_find_collscan_sort.json"))
    command = {"find": "orders", "filter": {"status": "new"}, "sort": {"total": -1}}
    sort = mongo_insights(plan, command, _orders(250_000, ("status_1_total_1", [("status", 1), ("total", 1)])))
    found = next(i for i in sort if i.rule == "mongo_in_memory_sort")
    assert found.evidence["ordering_index"] == "status_1_total_1" and "hint" in (found.fix or "")


def test_recorded_index_against_esr_with_rejected_plans_and_trials() -> None:
    document = recorded("explain_find_ixscan_esr.json")
    plan = parse_explain(document)
    scan = plan.stages()[1]
    assert scan.index_bounds == {"created": ["[new Date(1704067200000), new Date(9223372036854775807)]"],
                                 "status": ['["new", "new"]']}
    assert scan.keys_examined == 60_210 and plan.verbosity == "allPlansExecution"
    assert plan.rejected_plans == ["FETCH ← IXSCAN status_1 {status: 1}"]
    assert len(plan.trials) == 2 and "2890 keys" in plan.trials[0]
    command = {"find": "orders", "filter": {"status": "new", "created": {"$gte": datetime(2024, 1, 1)}}}
    insights = {i.rule: i for i in mongo_insights(plan, command, _orders(400_000))}
    assert "status comes after the range field created" in insights["mongo_esr_order"].detail
    assert insights["mongo_keys_examined"].evidence == {"keys_examined": 60_210, "returned": 2_104,
                                                        "index": "created_1_status_1"}
    assert "createIndex({status: 1, created: 1}" in (insights["mongo_esr_order"].fix or "")


def test_recorded_fetch_filter_and_lookup_without_index() -> None:
    fetch = parse_explain(recorded("explain_fetch_filter.json"))
    insights = {i.rule: i for i in mongo_insights(
        fetch, {"find": "orders", "filter": {"customer_id": 42, "total": {"$gt": 500}}}, _orders(1_000_000))}
    assert insights["mongo_docs_examined"].evidence["filtered_after_fetch"] == "total"
    assert "createIndex({customer_id: 1, total: 1}" in (insights["mongo_docs_examined"].fix or "")
    lookup = parse_explain(recorded("explain_aggregate_lookup.json"))
    assert [s.stage for s in lookup.stages()] == ["$lookup", "FETCH", "IXSCAN"]
    command = recorded("explain_aggregate_lookup.json")["command"]
    found = [i for i in mongo_insights(lookup, command, MongoExplainContext())
             if i.rule == "mongo_lookup_without_index"]
    assert found and found[0].evidence["collection_scans"] == 1200
    assert found[0].fix == 'db.getCollection("customers").createIndex({customer_id: 1})'


# -- the profiler, on recorded documents -------------------------------------------------------------------------


def test_recorded_profiler_documents_grouped_by_shape() -> None:
    shapes = {s.key: s for s in group_profile(recorded("profile_documents.json"))}
    assert len(shapes) == 2  # dbsage's own $indexStats (appName dbsage) is not the application's load
    by_status = next(s for s in shapes.values() if "status" in s.key)
    assert (by_status.calls, by_status.total_ms, by_status.returned, by_status.docs_examined, by_status.collscans) \
        == (2, 800.0, 20, 500_000, 2)
    assert by_status.sorts_in_memory == 2 and by_status.example["filter"] == {"status": "new"}
    by_customer = next(s for s in shapes.values() if "customer_id" in s.key)
    assert by_customer.calls == 2 and by_customer.keys_examined == 45_120  # the getMore counts as its find
    assert by_customer.plan_summaries == {"IXSCAN": 2}


# -- check rules on recorded $indexStats counters ----------------------------------------------------------------


def _indexes(*specs: tuple[str, list[list[Any]]], **extra: Any) -> list[dict[str, Any]]:
    return [{"db": "shop", "collection": "orders", "name": n, "keys": k, "unique": False, "sparse": False,
             "partial": False, "ttl": None, **extra} for n, k in specs]


def _findings(facts: dict[str, list[dict[str, Any]]], **limits: Any) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for rule in RULES:
        for finding in rule(facts, MongoThresholds(**limits)):
            found.setdefault(finding.id, []).append(finding)
    return found


def test_unused_index_from_recorded_index_stats_with_the_uptime_caveat() -> None:
    rows = index_usage_rows("shop", "orders", recorded("indexStats_sharded.json"))
    facts = {"indexes": _indexes(("_id_", [["_id", 1]]), ("customer_1_created_-1", [["customer", 1], ["created", -1]]),
                                 ("legacy_status_1", [["legacy_status", 1]])),
             "index_usage": rows, "server": [{"uptime_s": 30 * 86_400, "topology": "replica set"}]}
    unused = _findings(facts)["indexes.unused"]
    assert [f.object for f in unused] == ["shop.orders.legacy_status_1"]  # 0 ops on both shards; the others used
    assert "hideIndex" in (unused[0].fix or "") and unused[0].evidence["since"].startswith("2024-05-02")
    facts["server"] = [{"uptime_s": 3_600, "topology": "replica set"}]
    early = _findings(facts)
    assert "indexes.unused" not in early and early["indexes.unused_too_early"][0].evidence["uptime_s"] == 3_600


def test_redundant_ttl_and_shape_rules_on_facts() -> None:
    facts = {
        "collections": [{"db": "shop", "name": "orders", "count": 50_000, "validator": True, "capped": False}],
        "indexes": _indexes(("status_1", [["status", 1]]), ("status_1_total_-1", [["status", 1], ["total", -1]]),
                            ("created_1_status_1", [["created", 1], ["status", 1]])),
        "shapes": [{"db": "shop", "collection": "orders", "command": "find", "key": "k", "calls": 9, "mean_ms": 40,
                    "collscans": 0, "equality": ["status"], "sort": [], "ranges": ["created"]},
                   {"db": "shop", "collection": "orders", "command": "find", "key": "k2", "calls": 5, "mean_ms": 300,
                    "collscans": 5, "equality": ["customer_id"], "sort": [], "ranges": []}],
        "ttl_fields": [{"db": "shop", "collection": "sessions", "index": "expires_1", "field": "expires",
                        "sampled": 20, "dates": 0, "other_types": "str"}],
    }
    found = _findings(facts)
    assert [f.object for f in found["indexes.redundant"]] == ["shop.orders.status_1"]
    assert found["indexes.mongo_esr_order"][0].object == "shop.orders.created_1_status_1"
    assert [f.evidence["shape"] for f in found["indexes.mongo_shape_without_index"]] == ["k2"]
    assert found["indexes.mongo_ttl_wrong_type"][0].severity == "high"


def test_size_replication_and_role_rules_on_facts() -> None:
    facts = {
        "documents": [{"db": "shop", "collection": "carts", "sampled": 200, "max_bytes": 9 * 1024 * 1024,
                       "avg_bytes": 40_000}],
        "server": [{"uptime_s": 10, "topology": "replica set", "auth": True, "tls_mode": "requireTLS"}],
        "replica_members": [{"name": "db1:27017", "state": "PRIMARY", "health": 1, "lag_s": None},
                            {"name": "db2:27017", "state": "SECONDARY", "health": 1, "lag_s": 95.0},
                            {"name": "db3:27017", "state": "RECOVERING", "health": 1, "lag_s": None}],
        "oplog": [{"window_hours": 4.5}],
        "users": [{"user": "app", "db": "admin", "roles": ["readWriteAnyDatabase@admin"]},
                  {"user": "ops", "db": "admin", "roles": ["root@admin"]},
                  {"user": "report", "db": "shop", "roles": ["read@shop"]}],
    }
    found = _findings(facts)
    assert found["schema.mongo_large_documents"][0].severity == "high"  # 9 MB of the 16 MB limit
    assert sorted(f.object for f in found["reliability.mongo_member"]) == ["db2:27017", "db3:27017"]
    assert found["reliability.mongo_oplog_window"][0].severity == "high"
    assert {f.object: f.severity for f in found["security.mongo_broad_roles"]} == {"app@admin": "medium",
                                                                                   "ops@admin": "high"}
    assert "security.mongo_auth_off" not in found and "security.ssl_off" not in found
    assert "reliability.mongo_standalone" not in found


def test_covering_projection_on_an_index_scan() -> None:
    # the classic stage tree of a find with a projection answered through FETCH (MongoDB 7.0 shape, trimmed)
    document = {
        "queryPlanner": {"namespace": "shop.orders", "winningPlan": {
            "stage": "PROJECTION_SIMPLE", "transformBy": {"customer_id": 1, "total": 1},
            "inputStage": {"stage": "FETCH", "inputStage": {
                "stage": "IXSCAN", "keyPattern": {"customer_id": 1, "total": 1}, "indexName": "customer_id_1_total_1",
                "isMultiKey": False, "direction": "forward", "indexBounds": {"customer_id": ["[7, 7]"],
                                                                             "total": ["[MinKey, MaxKey]"]}}}},
            "rejectedPlans": []},
        "executionStats": {"executionSuccess": True, "nReturned": 15, "executionTimeMillis": 0,
                           "totalKeysExamined": 15, "totalDocsExamined": 15},
    }
    plan = parse_explain(document)
    command = {"find": "orders", "filter": {"customer_id": 7}, "projection": {"customer_id": 1, "total": 1}}
    insights = mongo_insights(plan, command, MongoExplainContext())
    found = next(i for i in insights if i.rule == "mongo_covering_projection")
    assert found.node_id == 1 and "add _id: 0" in (found.fix or "")


# -- live on SecantusDB: the planted-problem fixture -------------------------------------------------------------

START = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def planted(mongo_uri: str) -> Iterator[str]:
    """`planted.orders` (12,000 documents) with a COLLSCAN query and an in-memory sort (status, sorted by total: no
    index), an ESR-breaking index (created_1_status_1 for equality on status and a range on created), an unused
    index (coupon_1), an unbounded array (events, 1,500 elements in every 20th order) and a $lookup into customers
    whose customer_id has no index. The profiler recorded the application's queries."""
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(mongo_uri)
    db = client["planted"]
    rng = random.Random(18)
    db.orders.insert_many([{
        "status": rng.choice(["new", "paid", "shipped", "cancelled"]), "customer_id": i % 800,
        "total": round(rng.random() * 500, 2), "created": START + timedelta(minutes=i), "coupon": None,
        "events": list(range(1_500)) if i % 20 == 0 else [i], "name": f"order {i}",
    } for i in range(12_000)])
    db.orders.create_index([("created", 1), ("status", 1)], name="created_1_status_1")
    db.orders.create_index([("coupon", 1)], name="coupon_1")
    db.customers.insert_many([{"customer_id": i, "name": f"customer {i}"} for i in range(800)])
    db.command("profile", 2, slowms=0)
    for status in ("new", "paid", "new"):
        list(db.orders.find({"status": status}).sort("total", -1).limit(10))
    for day in (3, 5, 7):
        list(db.orders.find({"status": "new", "created": {"$gte": START + timedelta(days=day)}})
             .hint("created_1_status_1"))
    for customer in (7, 8, 9):
        list(db.orders.find({"customer_id": customer, "total": {"$gt": 100}}, {"total": 1, "_id": 0}))
    db.command("profile", 0)
    client.close()
    yield with_db(mongo_uri, "planted")


@pytest.fixture(scope="module")
def engine(planted: str) -> Iterator[MongoEngine]:
    engine = connect(resolve(planted), SessionLimits(statement_timeout_ms=30_000))
    assert isinstance(engine, MongoEngine)
    yield engine
    engine.close()


def test_explain_finds_the_planted_collscan_and_in_memory_sort(engine: MongoEngine) -> None:
    result = engine.explain("db.orders.find({status: 'new'}).sort({total: -1}).limit(10)")
    assert [n.node_type for n in result.plan.nodes()] == ["SORT", "COLLSCAN"]
    rules = {i.rule: i for i in result.insights}
    assert rules["mongo_collscan"].evidence["collection_documents"] == 12_000
    assert "createIndex({status: 1, total: -1}" in (rules["mongo_collscan"].fix or "")
    assert rules["mongo_in_memory_sort"].node_id == 0
    assert result.analyzed and any("12,000 documents examined" in n for n in result.notes)


def test_explain_finds_the_planted_esr_breaking_index(engine: MongoEngine) -> None:
    result = engine.explain("db.orders.find({status: 'new', created: {$gte: ISODate('2025-01-05')}})"
                            ".hint('created_1_status_1')")
    esr = next(i for i in result.insights if i.rule == "mongo_esr_order")
    assert esr.evidence["index"] == "created_1_status_1" and "createIndex({status: 1, created: 1}" in (esr.fix or "")


def test_explain_lookup_regex_and_covering_live(engine: MongoEngine) -> None:
    lookup = engine.explain('{"aggregate": "orders", "pipeline": [{"$match": {"customer_id": 7}}, {"$lookup": '
                            '{"from": "customers", "localField": "customer_id", "foreignField": "customer_id", '
                            '"as": "c"}}], "cursor": {}}')
    assert any(i.rule == "mongo_lookup_without_index" and "customers" in i.title for i in lookup.insights)
    regex = engine.explain("db.orders.find({name: /der 12/})")
    assert any(i.rule == "mongo_unanchored_regex" and i.evidence["field"] == "name" for i in regex.insights)
    anchored = engine.explain("db.orders.find({name: /^order 12/})")
    assert not any(i.rule == "mongo_unanchored_regex" for i in anchored.insights)


def test_explain_cli_json_and_all_plans(planted: str) -> None:
    result = run_dbsage("explain", "--db", planted, "--analyze", "--format", "json",
                        "db.orders.find({status: 'paid'}).sort({total: 1})")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["command"] == "explain" and body["analyzed"] is True
    assert {i["rule"] for i in body["insights"]} >= {"mongo_collscan", "mongo_in_memory_sort"}
    assert any("allPlansExecution" in n for n in body["notes"])


def test_check_finds_the_planted_problems(engine: MongoEngine) -> None:
    report = engine.checks()
    by_id: dict[str, list[Any]] = {}
    for finding in report.findings:
        by_id.setdefault(finding.id, []).append(finding)
    shapes = [f.evidence["shape"] for f in by_id["indexes.mongo_shape_without_index"]]
    assert any('"status"' in s and '"total"' in s for s in shapes)  # the COLLSCAN + sort query
    assert any('"customer_id"' in s for s in shapes)
    esr = by_id["indexes.mongo_esr_order"]
    assert [f.object for f in esr] == ["planted.orders.created_1_status_1"]
    arrays = by_id["schema.mongo_unbounded_array"]
    assert arrays[0].object == "planted.orders.events" and arrays[0].evidence["max_length"] == 1_500
    assert {"reliability.mongo_standalone", "security.mongo_auth_off", "schema.mongo_no_validation"} <= set(by_id)
    # SecantusDB keeps no $indexStats counters: the unused index (coupon_1) is not judged, and the report says why
    assert "indexes.unused" not in by_id
    assert any("$indexStats" in s and "since" in s for s in report.skipped)
    assert {i.key: i.status for i in report.scorecard}["index_coverage"] == "fail"


def test_top_lists_the_profiled_shapes_and_how_to_turn_the_profiler_on(planted: str, mongo_uri: str) -> None:
    result = run_dbsage("top", "--db", planted, "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)["report"]
    sorted_by_total = next(s for s in report["statements"] if '"sort": {"total": -1}' in s["query"])
    assert sorted_by_total["calls"] == 3 and sorted_by_total["role"] == "planted"
    assert any("setProfilingLevel(1" in n and "sampleRate" in n for n in report["notes"])  # it is off again
    assert any("running now" in n for n in report["notes"])
    empty = run_dbsage("top", "--db", with_db(mongo_uri, "nothing_profiled"))
    assert empty.returncode == 1 and "the profiler is off" in empty.stderr and "slowms" in empty.stderr


def test_advise_from_the_profiler_heuristic_then_verified_on_a_scratch(engine: MongoEngine, mongo_uri: str) -> None:
    heuristic = advise_database(engine, None, AdviseOptions(workload_source="profiler"))
    assert not heuristic.verified and heuristic.method == "heuristic (unverified)"
    keys = {tuple((k.sql, k.descending) for k in r.index.keys) for r in heuristic.recommendations}
    assert (("status", False), ("total", True)) in keys  # ESR for the sorted query
    assert (("status", False), ("created", False)) in keys  # ESR for the range query against created_1_status_1
    scratch = with_db(mongo_uri, "planted_scratch")
    verified = advise_database(engine, None, AdviseOptions(workload_source="profiler", scratch=scratch))
    assert verified.verified and verified.method == "scratch copy"
    covering = next(r for r in verified.recommendations if r.index.keys[0].sql == "customer_id")
    assert covering.kind.startswith("compound, covering")
    assert all(h.cost_after < h.cost_before for h in covering.helps)
    assert "dropIndex" in covering.drop_sql and "createIndex" in covering.create_sql
    with pytest.raises(UsageError, match="names the target database itself"):
        advise_database(engine, None, AdviseOptions(scratch=engine.target.dsn))


def test_advise_workload_files_and_propose(planted: str, tmp_path: Path) -> None:
    workload = tmp_path / "workload"
    workload.mkdir()
    (workload / "app.js").write_text("db.orders.find({status: 'new'}).sort({total: -1}).limit(10)\n"
                                     "db.orders.insertOne({status: 'new'})\n")
    (workload / "report.json").write_text('{"aggregate": "orders", "pipeline": [{"$match": {"customer_id": 3}}, '
                                          '{"$sort": {"created": -1}}], "cursor": {}}')
    state = tmp_path / "state"
    result = run_dbsage("advise", "--db", planted, "--workload", str(workload), "--propose", "--format", "json",
                        env={"DBSAGE_STATE_DIR": str(state)})
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    report = body["report"]
    assert report["method"] == "heuristic (unverified)" and len(body["proposals"]) == 2
    assert [s["statement_id"] for s in report["skipped"] if s["refused"]] == ["app.js#2"]
    shown = run_dbsage("proposals", "show", str(body["proposals"][0]), "--format", "json",
                       env={"DBSAGE_STATE_DIR": str(state)})
    proposal = json.loads(shown.stdout)
    text = json.dumps(proposal)
    assert "createIndex(" in text and "dropIndex(" in text


def test_the_features_are_declared_for_mongodb() -> None:
    from dbsage.tools.engines.registry import engine_info

    assert {"explain", "top_statements", "checks", "what_if"} <= engine_info("mongo").features
    with pytest.raises(CapabilityMissing, match="no hypothetical indexes"):
        connect(resolve("mongodb://127.0.0.1:1/x")).what_if()


# -- the demo on SecantusDB ----------------------------------------------------------------------------------------


def test_demo_engine_mongodb_prints_the_report(mongo_uri: str) -> None:
    from dbsage.tools.demo.mongo_problems import MONGO_PROBLEMS

    result = run_dbsage("demo", "--engine", "mongodb", "--db", mongo_uri, "--scale", "small", "--format", "json",
                        timeout=600)
    assert result.returncode == 0, result.stderr
    sections = json.loads(result.stdout)["sections"]
    assert set(sections) >= {"schema", "capabilities", "checkup", "explain", "advice"}
    assert all("error" not in part for part in sections.values()), {k: v for k, v in sections.items()
                                                                      if "error" in v}
    findings = {(f["id"], f["object"]) for f in sections["checkup"]["findings"]}
    # each planted problem, found by the checkup, explain or advise (the unused index needs real $indexStats
    # counters: recorded in test_unused_index_from_recorded_index_stats_with_the_uptime_caveat)
    assert ("indexes.mongo_esr_order", "dbsage_demo.orders.created_at_1_status_1") in findings
    assert ("schema.mongo_unbounded_array", "dbsage_demo.orders.events") in findings
    assert ("indexes.mongo_ttl_wrong_type", "dbsage_demo.sessions.expires_at_1") in findings
    assert any(i == "indexes.mongo_shape_without_index" for i, _o in findings)
    explained = {name: {i["rule"] for i in part["summary"]["insights"]} for name, part in sections["explain"].items()}
    assert {"mongo_collscan", "mongo_in_memory_sort"} <= explained["stale_pending_orders"]
    assert "mongo_lookup_without_index" in explained["orders_with_customer"]
    assert "mongo_unanchored_regex" in explained["product_search"]
    advice = sections["advice"]["report"]
    assert advice["method"] == "scratch copy"
    assert [["status", False], ["created_at", False]] in [
        [[k["sql"], k["descending"]] for k in r["index"]["keys"]] for r in advice["recommendations"]]
    assert {p.id for p in MONGO_PROBLEMS} == {"slow_query_composite_index", "esr_breaking_index", "unused_index",
                                              "unbounded_array", "lookup_without_index", "unanchored_regex",
                                              "ttl_wrong_type"}


def test_every_cited_knowledge_document_exists() -> None:
    import re

    root = Path(__file__).resolve().parent.parent
    cited = set()
    for module in ("tools/explain/mongo_insights.py", "tools/checks/mongo_rules.py"):
        cited |= set(re.findall(r'kb="([a-z0-9-]+)"', (root / module).read_text(encoding="utf-8")))
    ids = {m for p in (root / "knowledge" / "docs").rglob("*.md")
           for m in re.findall(r"^id: (\S+)$", p.read_text(encoding="utf-8"), re.M)}
    assert len(cited) >= 10 and cited <= ids, cited - ids
