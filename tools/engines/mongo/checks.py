"""`dbsage check` on MongoDB: read the facts (collections, indexes, $indexStats, a $sample per collection, profiler
shapes, server status, replica set and oplog, users) with read-only commands under the client's time limit; the pure
rules in tools/checks/mongo_rules judge them.

A fact this login may not read, or this server does not keep, is skipped with the reason: its rules stay silent and
the scorecard says "unknown". `$indexStats` counters are used only when the server keeps them (a real mongod gives
each index a `since` date; the test server SecantusDB answers with zeros and no date, which would call every index
unused).
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import bson
from pymongo.errors import OperationFailure, PyMongoError

from dbsage.tools.advisor.mongo_shape import query_shape
from dbsage.tools.checks import CheckReport, Thresholds, judge
from dbsage.tools.checks.model import Facts
from dbsage.tools.checks.mongo_rules import RULES, MongoThresholds, scorecard
from dbsage.tools.engines.mongo.profiler import group_profile
from dbsage.tools.engines.mongo.top import profiler_level, read_profile
from dbsage.tools.redact import redact

if TYPE_CHECKING:
    from pymongo.database import Database

    from dbsage.tools.engines.mongo.adapter import MongoEngine

MAX_ARRAY_ROWS = 200
MIN_ARRAY_REPORTED = 50  # arrays shorter than this in every sampled document are not worth a row


def run_checks(engine: MongoEngine, thresholds: Thresholds | None = None) -> CheckReport:
    started = time.perf_counter()
    limits = thresholds or MongoThresholds()
    facts, skipped, databases = read_facts(engine)
    findings, card, omitted = judge(RULES, facts, limits, scorecard)
    return CheckReport(engine="mongo", target=engine.target.display, database=", ".join(databases) or "(none)",
                       findings=findings, scorecard=card, skipped=skipped, omitted=omitted,
                       elapsed_ms=round((time.perf_counter() - started) * 1000, 1))


def read_facts(engine: MongoEngine) -> tuple[Facts, list[str], list[str]]:
    facts: Facts = defaultdict(list)
    skipped: list[str] = []
    with engine._errors():
        engine._probe()
        databases = engine._database_names()
        usage_rows: list[dict[str, Any]] = []
        for name in databases:
            db = engine.database(name)
            _collections(engine, db, facts, usage_rows, skipped)
            _shapes(engine, name, facts)
        _index_usage(usage_rows, facts, skipped)
        _server(engine, databases[0] if databases else "test", facts, skipped)
    return dict(facts), skipped, databases


def _collections(engine: MongoEngine, db: Database[dict[str, Any]], facts: Facts, usage: list[dict[str, Any]],
                 skipped: list[str]) -> None:
    specs = [s for s in db.list_collections() if s.get("type", "collection") == "collection"
             and not s["name"].startswith("system.")]
    for spec in sorted(specs, key=lambda s: s["name"])[:engine.max_sampled]:
        name, options = spec["name"], spec.get("options", {})
        storage = engine._storage(db, name)
        facts["collections"].append({"db": db.name, "name": name, "count": storage.count, "size": storage.size,
                                     "validator": bool(options.get("validator")),
                                     "capped": bool(options.get("capped"))})
        indexes = [dict(index) for index in db[name].list_indexes()]
        for index in indexes:
            facts["indexes"].append({
                "db": db.name, "collection": name, "name": index["name"],
                "keys": [[str(k), v if isinstance(v, str) else int(v)] for k, v in index["key"].items()],
                "unique": bool(index.get("unique")), "sparse": bool(index.get("sparse")),
                "partial": "partialFilterExpression" in index, "ttl": index.get("expireAfterSeconds"),
                "hidden": bool(index.get("hidden"))})
        try:
            usage += index_usage_rows(db.name, name, db[name].aggregate([{"$indexStats": {}}]))
        except OperationFailure as exc:
            skipped.append(f"$indexStats on {db.name}.{name}: {redact(str(exc))[:120]}")
        sample = engine._sample(db[name])
        _documents(db.name, name, sample, facts)
        _ttl(db.name, name, indexes, sample, facts)
    if len(specs) > engine.max_sampled:
        skipped.append(f"{db.name}: only the first {engine.max_sampled} of {len(specs)} collections were read")


def index_usage_rows(db: str, collection: str, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """$indexStats rows (one per index and member/shard) as index_usage facts."""
    return [{"db": db, "collection": collection, "name": row["name"],
             "ops": int((row.get("accesses") or {}).get("ops") or 0),
             "since": (row.get("accesses") or {}).get("since")} for row in rows]


def _documents(db: str, name: str, sample: list[dict[str, Any]], facts: Facts) -> None:
    sizes = [len(bson.encode(d)) for d in sample]
    facts["documents"].append({"db": db, "collection": name, "sampled": len(sizes), "max_bytes": max(sizes, default=0),
                               "avg_bytes": round(statistics.fmean(sizes)) if sizes else 0})
    lengths: dict[str, list[int]] = defaultdict(list)
    for document in sample:
        for path, length in _arrays(document):
            lengths[path].append(length)
    for path, found in sorted(lengths.items(), key=lambda p: -max(p[1]))[:MAX_ARRAY_ROWS]:
        if max(found) >= MIN_ARRAY_REPORTED:
            facts["arrays"].append({"db": db, "collection": name, "field": path, "max_len": max(found),
                                    "avg_len": round(statistics.fmean(found), 1), "sampled": len(sample)})


def _arrays(value: Any, path: str = "", depth: int = 0) -> Iterable[tuple[str, int]]:
    if depth > 4:
        return
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _arrays(inner, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(value, list):
        yield path, len(value)
        for inner in value[:20]:  # the shape of the first elements is enough to find nested arrays
            if isinstance(inner, dict):
                yield from _arrays(inner, path, depth + 1)


def _at(document: Any, path: str) -> Any:
    for part in path.split("."):
        document = document.get(part) if isinstance(document, dict) else None
    return document


def _ttl(db: str, name: str, indexes: list[dict[str, Any]], sample: list[dict[str, Any]], facts: Facts) -> None:
    from datetime import datetime

    for index in indexes:
        if index.get("expireAfterSeconds") is None or len(index["key"]) != 1:
            continue
        field = next(iter(index["key"]))
        values = [_at(d, field) for d in sample]
        present = [v for v in values if v is not None]
        dates = [v for v in present if isinstance(v, datetime) or (
            isinstance(v, list) and any(isinstance(x, datetime) for x in v))]
        others = sorted({type(v).__name__ for v in present if v not in dates})
        facts["ttl_fields"].append({"db": db, "collection": name, "index": index["name"], "field": field,
                                    "sampled": len(present), "dates": len(dates), "other_types": ", ".join(others)})


def _shapes(engine: MongoEngine, database: str, facts: Facts) -> None:
    for shape in group_profile(read_profile(engine, database)):
        parsed = query_shape(shape.example)
        if parsed is None:
            continue
        facts["shapes"].append({
            "db": database, "collection": shape.collection, "command": parsed.command, "key": shape.key,
            "calls": shape.calls, "mean_ms": shape.mean_ms, "collscans": shape.collscans,
            "equality": parsed.equality, "sort": [list(s) for s in parsed.sort], "ranges": parsed.ranges})


def _index_usage(rows: list[dict[str, Any]], facts: Facts, skipped: list[str]) -> None:
    if rows and all(r["since"] is None for r in rows):
        skipped.append("index usage: $indexStats gives no `since` date for any index, so its counters are not "
                       "kept (a test server?); unused indexes are not judged")
        return
    facts["index_usage"] = rows


def _server(engine: MongoEngine, database: str, facts: Facts, skipped: list[str]) -> None:
    admin = engine.client.admin
    status = _optional(lambda: admin.command("serverStatus"), "serverStatus", skipped) or {}
    hello = admin.command("hello")
    topology = "mongos" if hello.get("msg") == "isdbgrid" else "replica set" if hello.get("setName") else "standalone"
    level = profiler_level(engine, database)
    server: dict[str, Any] = {
        "uptime_s": status.get("uptime"), "version": status.get("version"), "topology": topology,
        "set_name": hello.get("setName"), "connections": (status.get("connections") or {}).get("current"),
        "profiler_level": int(level.get("was", 0)) if level else None, "auth": _auth(engine), "tls_mode": None}
    options = _optional(lambda: admin.command("getCmdLineOpts"), "getCmdLineOpts", skipped)
    if options is not None:
        net = (options.get("parsed") or {}).get("net") or {}
        server["tls_mode"] = str((net.get("tls") or net.get("ssl") or {}).get("mode") or "disabled")
    facts["server"] = [server]
    if topology == "replica set":
        _replica(engine, facts, skipped)
    users = _optional(lambda: admin.command({"usersInfo": {"forAllDBs": True}}), "usersInfo", skipped)
    for user in (users or {}).get("users", []):
        facts["users"].append({"user": user.get("user"), "db": user.get("db"),
                               "roles": [f"{r.get('role')}@{r.get('db')}" for r in user.get("roles", [])]})


def _auth(engine: MongoEngine) -> bool | None:
    """False when the server lets a login without users list every database; True when a user is logged in (the
    server enforces access control); None when unknown."""
    status = engine.database().command("connectionStatus")
    if (status.get("authInfo") or {}).get("authenticatedUsers"):
        return True
    if not engine._default_db:  # read_facts listed the databases already (listDatabases, nameOnly): no second ask
        return False
    try:
        engine.client.admin.command({"listDatabases": 1, "nameOnly": True})
        return False
    except OperationFailure:
        return True


def _replica(engine: MongoEngine, facts: Facts, skipped: list[str]) -> None:
    status = _optional(lambda: engine.client.admin.command("replSetGetStatus"), "replSetGetStatus", skipped)
    if status is None:
        return
    members = status.get("members", [])
    primary = next((m for m in members if m.get("stateStr") == "PRIMARY"), None)
    for member in members:
        lag = None
        if primary and member.get("optimeDate") and primary.get("optimeDate") and member is not primary:
            lag = (primary["optimeDate"] - member["optimeDate"]).total_seconds()
        facts["replica_members"].append({"name": member.get("name"), "state": member.get("stateStr"),
                                         "health": member.get("health"), "lag_s": lag})
    oplog = engine.client.local["oplog.rs"]
    first = _optional(lambda: oplog.find_one({}, {"ts": 1}, sort=[("$natural", 1)]), "oplog", skipped)
    last = _optional(lambda: oplog.find_one({}, {"ts": 1}, sort=[("$natural", -1)]), "oplog", skipped)
    if first and last:
        facts["oplog"].append({"window_hours": (last["ts"].time - first["ts"].time) / 3600})


def _optional(read: Any, what: str, skipped: list[str]) -> Any:
    try:
        return read()
    except PyMongoError as exc:
        skipped.append(f"{what}: {redact(str(exc)).splitlines()[0][:160]}")
        return None
