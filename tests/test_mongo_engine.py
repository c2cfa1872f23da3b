"""MongoDB adapter: live against SecantusDB (a MongoDB-wire server), and its parsers on recorded mongod documents.

SecantusDB does not produce every shape a real mongod does (real $indexStats counters, per-shard rows, privilege
lists, replica-set `hello`, ...): the second half of this file feeds tests/fixtures/mongod/*.json to the same pure
parsing functions the adapter uses. tests/README.md lists which feature is covered where.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pymongo
import pytest
from bson import json_util
from pymongo import monitoring

from dbsage.tools.engines import SessionLimits, connect
from dbsage.tools.engines.mongo.adapter import MongoEngine
from dbsage.tools.engines.mongo.shapes import (
    index_from_spec,
    index_usage,
    infer_fields,
    key_constraints,
    login_report,
    profiler_capability,
    storage_from_stats,
    topology_capability,
    version_text,
)
from dbsage.tools.erd import to_mermaid
from dbsage.tools.errors import TargetUnreachable
from dbsage.tools.targets import resolve

FIXTURES = Path(__file__).parent / "fixtures" / "mongod"
_names = itertools.count()


def recorded(name: str) -> Any:
    return json_util.loads((FIXTURES / name).read_text(encoding="utf-8"))


def with_db(uri: str, db: str, credentials: str = "") -> str:
    parts = urlsplit(uri)
    netloc = f"{credentials}@{parts.netloc}" if credentials else parts.netloc
    return parts._replace(netloc=netloc, path=f"/{db}").geturl()


class CommandLog(monitoring.CommandListener):
    """Records every command a client sends (registered globally; only on while a test wants it)."""

    def __init__(self) -> None:
        self.recording = False
        self.commands: list[dict[str, Any]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.recording:
            self.commands.append(dict(event.command))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None: ...

    def failed(self, event: monitoring.CommandFailedEvent) -> None: ...


COMMAND_LOG = CommandLog()
monitoring.register(COMMAND_LOG)


@pytest.fixture(scope="module")
def shop_db(mongo_uri: str) -> Iterator[str]:
    """A fresh database built with a plain pymongo client: collections, a view, indexes, a validator."""
    name = f"shop{next(_names)}"
    client: pymongo.MongoClient = pymongo.MongoClient(mongo_uri)
    db = client[name]
    db.create_collection("users", validator={"$jsonSchema": {
        "bsonType": "object", "required": ["email"],
        "properties": {"email": {"bsonType": "string", "description": "login address"}},
    }})
    db.users.insert_many([
        {"email": f"u{i}@x", "age": i, "address": {"city": "Oslo", "zip": f"0{i}"}, "tags": ["a", "b"]} if i % 4 == 0
        else {"email": f"u{i}@x", "name": None if i % 2 else f"n{i}"}
        for i in range(40)
    ])
    db.users.create_index("email", unique=True)
    db.users.create_index([("age", 1), ("name", -1)], partialFilterExpression={"age": {"$gt": 5}})
    db.orders.insert_many([{"user": f"u{i % 40}@x", "total": i * 1.5, "at": i} for i in range(500)])
    db.orders.create_index("at", expireAfterSeconds=3600)
    db["orders.archive"].insert_one({"user": "u1@x", "total": 1.0})
    db.create_collection("big_users", viewOn="users", pipeline=[{"$match": {"age": {"$gt": 10}}}])
    db.command("profile", 0)
    yield with_db(mongo_uri, name)
    client.drop_database(name)
    client.close()


@pytest.fixture(scope="module")
def shop(shop_db: str) -> Iterator[MongoEngine]:
    engine = connect(resolve(shop_db))
    assert isinstance(engine, MongoEngine)
    yield engine
    engine.close()


def test_collections_views_and_dotted_names(shop: MongoEngine) -> None:
    snapshot = shop.introspect()
    assert {t.name: t.kind for t in snapshot.tables} == {
        "users": "collection", "orders": "collection", "orders.archive": "collection", "big_users": "view"}
    assert snapshot.engine == "mongo" and snapshot.database == urlsplit(shop.target.dsn).path.strip("/")
    assert [t.name for t in shop.introspect("orders.archive").tables] == ["orders.archive"]
    assert [t.name for t in shop.introspect(f"{snapshot.database}.users").tables] == ["users"]
    assert shop.introspect("no_such_collection").tables == []


def test_fields_types_and_presence_from_the_sample(shop: MongoEngine) -> None:
    users = shop.introspect("users").tables[0]
    fields = {c.name: c for c in users.columns}
    assert list(fields)[:2] == ["_id", "email"]
    assert (fields["_id"].type, fields["_id"].presence, fields["_id"].nullable) == ("objectId", 1.0, False)
    assert fields["email"].comment == "login address"  # from the validator's description
    assert (fields["age"].type, fields["age"].presence) == ("int", 0.25)
    assert (fields["address.city"].type, fields["address.city"].presence) == ("string", 0.25)
    assert fields["tags"].type == "array<string>"
    assert (fields["name"].type, fields["name"].presence, fields["name"].nullable) == ("null|string", 0.75, True)


def test_indexes_constraints_sizes_and_counts(shop: MongoEngine) -> None:
    users = shop.introspect("users").tables[0]
    assert users.primary_key and users.primary_key.columns == ["_id"]
    indexes = {i.name: i for i in users.indexes}
    assert indexes["email_1"].unique and indexes["email_1"].backs_constraint == "email_1"
    assert indexes["age_1_name_-1"].columns == ["age", "name"]
    assert 'partial {"age": {"$gt": 5}}' in (indexes["age_1_name_-1"].definition or "")
    assert all((i.size_bytes or 0) > 0 for i in users.indexes)
    assert all(i.scans is not None for i in users.indexes)  # $indexStats answered (SecantusDB counts stay 0)
    check = next(c for c in users.constraints if c.kind == "check")
    assert check.columns == ["email"] and "$jsonSchema" in (check.definition or "")
    orders = shop.introspect("orders").tables[0]
    assert orders.row_estimate == 500 and (orders.size_bytes or 0) > 0
    assert "TTL 3600 s" in (next(i for i in orders.indexes if i.name == "at_1").definition or "")
    view = shop.introspect("big_users").tables[0]
    assert view.comment == "view on users (1 pipeline stage)" and view.indexes == []
    assert {c.name for c in view.columns} >= {"_id", "email", "age"}


def test_the_sample_is_bounded(shop_db: str) -> None:
    engine = MongoEngine(resolve(shop_db), SessionLimits(), sample_size=50)
    COMMAND_LOG.commands.clear()
    COMMAND_LOG.recording = True
    try:
        orders = engine.introspect("orders").tables[0]
    finally:
        COMMAND_LOG.recording = False
        engine.close()
    samples = [c["pipeline"] for c in COMMAND_LOG.commands if c.get("aggregate") == "orders"
               and c["pipeline"][0].get("$sample")]
    assert samples == [[{"$sample": {"size": 50}}]]
    assert orders.row_estimate == 500  # the estimate still comes from collection statistics


def test_every_operation_carries_max_time_ms(shop_db: str) -> None:
    engine = MongoEngine(resolve(shop_db), SessionLimits(statement_timeout_ms=4_000))
    COMMAND_LOG.commands.clear()
    COMMAND_LOG.recording = True
    try:
        engine.introspect()
        engine.server_report()
    finally:
        COMMAND_LOG.recording = False
        engine.close()
    # The connection handshake and cursor continuations are the driver's own; every operation carries a limit.
    sent = [c for c in COMMAND_LOG.commands if next(iter(c)) not in ("hello", "isMaster", "getMore", "endSessions")]
    assert len(sent) > 10
    assert [c for c in sent if not 0 < c.get("maxTimeMS", 0) <= 4_000] == []


def test_mermaid_draws_collections(shop: MongoEngine) -> None:
    diagram = to_mermaid(shop.introspect())
    assert "    users {" in diagram and "objectId _id PK" in diagram and "string email UK" in diagram


def test_server_report_on_an_open_server(shop: MongoEngine, mongo_uri: str) -> None:
    report = shop.server_report()
    assert report.version.startswith("MongoDB ") and "SecantusDB" in report.version
    caps = {c.name: c for c in report.capabilities}
    assert caps["profiler"].available is False
    assert "db.setProfilingLevel(1, {slowms: 100})" in (caps["profiler"].fix or "")
    assert caps["replica_set"].available is False and caps["replica_set"].detail == "standalone server"
    login = report.login
    # SecantusDB runs without access control: anyone may do anything, which the report must say loudly
    assert login and login.superuser and login.can_write
    assert any("security.authorization" in w for w in login.warnings)
    assert 'roles: [{role: "read", db: "' in (login.read_only_role_sql or "")

    client: pymongo.MongoClient = pymongo.MongoClient(mongo_uri)
    try:
        client[report.login.read_only_role_sql.split('db: "')[1].split('"')[0]].command("profile", 1, slowms=100)
        assert shop.server_report().capability("profiler").available is True  # type: ignore[union-attr]
    finally:
        client.close()


@pytest.mark.parametrize(
    ("roles", "can_write", "warned"),
    [([{"role": "read", "db": "@db"}], False, False), ([{"role": "readWrite", "db": "@db"}], True, True)],
)
def test_login_roles_are_reported(shop_db: str, roles: list, can_write: bool, warned: bool) -> None:
    database = urlsplit(shop_db).path.strip("/")
    user = f"login{next(_names)}"
    client: pymongo.MongoClient = pymongo.MongoClient(shop_db)
    try:
        client[database].command("createUser", user, pwd="pw",
                                 roles=[{**r, "db": database} for r in roles])
    finally:
        client.close()
    engine = connect(resolve(with_db(shop_db, database, f"{user}:pw")))
    try:
        login = engine.server_report().login
    finally:
        engine.close()
    assert login and login.user == f"{user}@{database}" and not login.superuser
    assert login.can_write is can_write and bool(login.warnings) is warned


def test_bad_password_and_unreachable_server_hide_the_password(shop_db: str) -> None:
    database = urlsplit(shop_db).path.strip("/")
    engine = connect(resolve(with_db(shop_db, database, "nobody:hunter2")))
    with pytest.raises(TargetUnreachable) as info:
        engine.introspect()
    assert "hunter2" not in str(info.value) and "authentication failed" in str(info.value)
    engine = connect(resolve("mongodb://app:hunter2@127.0.0.1:1/shop?directConnection=true"),
                     SessionLimits(connect_timeout_s=1))
    with pytest.raises(TargetUnreachable) as info:
        engine.server_report()
    assert "hunter2" not in str(info.value) and "check the server is running" in str(info.value)


# -- recorded mongod documents (shapes SecantusDB does not produce) --------------------------------------------------


def test_index_stats_counters_are_summed_over_shards() -> None:
    assert index_usage(recorded("indexStats_sharded.json")) == {
        "_id_": 25131, "customer_1_created_-1": 50, "legacy_status_1": 0}


@pytest.mark.parametrize(
    ("name", "columns", "unique", "in_definition"),
    [
        ("_id_", ["_id"], True, '{"_id": 1}'),
        ("customer_1_created_-1", ["customer", "created"], False, '{"customer": 1, "created": -1}'),
        ("email_1", ["email"], True, "unique collation en"),
        ("title_text_body_text", ["body", "title"], False, 'text weights {"body": 1, "title": 10}'),
        ("location_2dsphere", ["location"], False, '{"location": "2dsphere"}'),
        ("tenant_hashed", ["tenant"], False, '{"tenant": "hashed"}'),
        ("attributes.$**_1", ["attributes.$**"], False, '{"attributes.$**": 1}'),
        ("created_1", ["created"], False, "TTL 86400 s"),
        ("status_1", ["status"], False, 'partial {"status": {"$in": ["new", "paid"]}} hidden'),
        ("nickname_1", ["nickname"], False, "sparse"),
    ],
)
def test_list_indexes_shapes(name: str, columns: list[str], unique: bool, in_definition: str) -> None:
    spec = next(s for s in recorded("listIndexes_mixed.json") if s["name"] == name)
    index = index_from_spec(spec, size_bytes=4096, ops=7)
    assert (index.columns, index.unique, index.size_bytes, index.scans) == (columns, unique, 4096, 7)
    assert in_definition in (index.definition or "")


def test_unique_indexes_become_constraints() -> None:
    constraints = key_constraints(recorded("listIndexes_mixed.json"))
    assert [(c.name, c.kind, c.columns) for c in constraints] == [
        ("_id_", "primary key", ["_id"]), ("email_1", "unique", ["email"])]


def test_storage_from_sharded_coll_stats_and_the_command() -> None:
    sharded = storage_from_stats(recorded("collStats_sharded.json"))
    assert (sharded.count, sharded.size, sharded.storage_size, sharded.total_index_size) == (
        375000, 157286400, 55296000, 14155776)
    assert sharded.index_sizes == {"_id_": 7864320, "customer_1_created_-1": 6291456}
    assert sharded.total_bytes == 55296000 + 14155776
    command = storage_from_stats([recorded("collStats_command.json")])
    assert (command.count, command.total_bytes, command.index_sizes["email_1"]) == (10000, 827392 + 450560, 217088)


@pytest.mark.parametrize(
    ("fixture", "user", "superuser", "can_write", "write_example"),
    [
        ("connectionStatus_readWrite.json", "app@admin", False, True, "readWrite on shop"),
        ("connectionStatus_readonly.json", "dbsage_ro@admin", False, False, None),
        ("connectionStatus_root.json", "admin@admin", True, True, "anyAction on any resource"),
    ],
)
def test_login_from_connection_status(fixture, user, superuser, can_write, write_example) -> None:
    report = login_report(recorded(fixture), "shop", access_control=True)
    assert (report.user, report.superuser, report.can_write) == (user, superuser, can_write)
    if write_example:
        assert write_example in report.write_privileges and report.warnings
    else:
        assert report.write_privileges == [] and report.warnings == []
    assert '{role: "clusterMonitor", db: "admin"}' in (report.read_only_role_sql or "")


def test_privilege_lists_name_the_write_actions() -> None:
    report = login_report(recorded("connectionStatus_readWrite.json"), "shop", access_control=True)
    assert "convertToCapped, createCollection, createIndex, dropCollection… on shop.*" in report.write_privileges
    assert "insert, remove, update on shop.system.js" in report.write_privileges


def test_unauthenticated_login_on_a_server_with_access_control() -> None:
    status = {"authInfo": {"authenticatedUsers": [], "authenticatedUserRoles": []}, "ok": 1}
    report = login_report(status, "shop", access_control=True)
    assert (report.superuser, report.can_write, report.warnings) == (False, None, [])


@pytest.mark.parametrize(
    ("fixture", "available", "detail"),
    [
        ("hello_replset_secondary.json", True, "replica set rs0 (secondary, 3 data-bearing members)"),
        ("hello_mongos.json", True, "mongos: a sharded cluster"),
    ],
)
def test_topology_from_hello(fixture: str, available: bool, detail: str) -> None:
    capability = topology_capability(recorded(fixture))
    assert (capability.available, capability.detail, capability.fix) == (available, detail, None)


def test_profiler_level_two_is_reported_as_heavy() -> None:
    capability = profiler_capability(recorded("profile_level2.json"), "shop")
    assert capability.available is True and "every operation" in capability.detail and "0.5" in capability.detail


def test_version_of_a_real_mongod() -> None:
    assert version_text({"version": "7.0.12", "gitVersion": "b6…", "ok": 1}) == "MongoDB 7.0.12"


def test_field_inference_on_real_bson_types() -> None:
    docs = recorded("sample_documents.json")
    fields = {c.name: c for c in infer_fields(docs, max_depth=3)}
    assert (fields["qty"].type, fields["price"].type) == ("int|long", "decimal|double")
    assert (fields["uuid"].type, fields["uuid"].presence) == ("binData", 0.25)
    assert (fields["created"].type, fields["created"].nullable) == ("date", False)
    assert fields["items"].type == "array<object>"
    assert (fields["items.name"].presence, fields["items.colour"].presence) == (0.5, 0.25)
    assert (fields["note"].type, fields["note"].presence, fields["note"].nullable) == ("null|string", 0.5, True)
    assert fields["flags"].type == "array<bool|string>"
    assert "meta.source.system" in fields and "meta.source.system.region" not in fields  # depth bound
    assert len(infer_fields(docs, max_fields=3)) == 3  # field-count bound
