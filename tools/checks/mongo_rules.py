"""Health checks for MongoDB: pure rules over the facts the MongoDB adapter reads (tools/engines/mongo/checks.py), in
the same families and Finding shape as the SQL engines', plus the checklist scorecard.

Facts: collections, indexes, index_usage ($indexStats; absent when the server's counters are not real), documents
and arrays (from a $sample of each collection), ttl_fields (the types a TTL index's field holds in the sample),
shapes (profiler query shapes; absent when nothing was profiled), server (uptime, auth, TLS, topology, profiler),
replica_members and oplog (replica sets only), users. A missing fact makes its rules silent and its scorecard line
"unknown" — never a guess. Fixes are mongosh commands for a person; dbsage runs none of them.
"""

from __future__ import annotations

import json
from typing import Any

from dbsage.tools.advisor.mongo_shape import QueryShape, esr_index, esr_problem
from dbsage.tools.checks.model import Facts, Finding, ScoreItem, Thresholds

BROAD_ROLES = {"root": "critical", "__system": "critical", "userAdminAnyDatabase": "high",
               "dbAdminAnyDatabase": "medium", "readWriteAnyDatabase": "medium", "clusterAdmin": "medium",
               "dbOwner": "medium", "userAdmin": "medium", "restore": "medium"}


class MongoThresholds(Thresholds):
    min_uptime_s: float = 7 * 86_400  # $indexStats counters restart with the server: a week of traffic first
    big_collection: int = 10_000
    array_length: int = 1_000  # an array this long in a sample is growing without a bound
    document_bytes: int = 1024 * 1024  # the 16 MB limit is far, but every read and update moves the whole document
    oplog_hours: float = 24.0
    min_shape_calls: int = 3


def _limit(limits: Thresholds, name: str) -> Any:
    return getattr(limits, name, getattr(MongoThresholds(), name))


def _ns(row: dict[str, Any]) -> str:
    return f"{row['db']}.{row.get('collection', row.get('name'))}"


def _coll_js(row: dict[str, Any]) -> str:
    return f"db.getSiblingDB(\"{row['db']}\").getCollection(\"{row.get('collection', row.get('name'))}\")"


def _keys_text(keys: list[list[Any]]) -> str:
    return "{" + ", ".join(f"{k}: {json.dumps(d) if isinstance(d, str) else d}" for k, d in keys) + "}"


def _indexes_of(facts: Facts, db: str, collection: str) -> list[dict[str, Any]]:
    return [i for i in facts.get("indexes", []) if i["db"] == db and i["collection"] == collection]


def _count(facts: Facts, db: str, collection: str) -> int:
    row = next((c for c in facts.get("collections", []) if c["db"] == db and c["name"] == collection), None)
    return int(row.get("count") or 0) if row else 0


def shape_of(row: dict[str, Any]) -> QueryShape:
    return QueryShape(collection=row["collection"], command=row.get("command", "find"),
                      equality=list(row.get("equality") or []),
                      sort=[(str(f), int(d)) for f, d in row.get("sort") or []],
                      ranges=list(row.get("ranges") or []), key=str(row.get("key", "")))


# -- indexes -----------------------------------------------------------------------------------------------------


def missing_for_shapes(facts: Facts, limits: Thresholds) -> list[Finding]:
    """A frequent query shape that no index serves: none led by one of its filtered or sort fields, or COLLSCAN
    runs in the profiler."""
    found = []
    for row in facts.get("shapes", []):
        shape = shape_of(row)
        fields = shape.equality + [f for f, _d in shape.sort] + shape.ranges
        if int(row["calls"]) < _limit(limits, "min_shape_calls") or not fields:
            continue
        indexes = _indexes_of(facts, row["db"], row["collection"])
        served = any(i["keys"] and i["keys"][0][0] in fields for i in indexes)
        if served and not row.get("collscans"):
            continue
        size = _count(facts, row["db"], row["collection"])
        index = esr_index(shape)
        found.append(Finding(
            id="indexes.mongo_shape_without_index", family="indexes",
            severity="high" if size >= _limit(limits, "big_collection") else "medium", object=_ns(row),
            title=f"{row['calls']:,} runs of a query on {_ns(row)} have no index to use",
            evidence={"shape": row["key"][:300], "calls": row["calls"], "mean_ms": round(row.get("mean_ms", 0), 1),
                      "collscan_runs": row.get("collscans"), "documents": size},
            fix=(f"{_coll_js(row)}.createIndex({index.spec_js()}, {{name: \"{index.name}\"}})  // ESR: equality, "
                 "sort, range; build it off-peak (it reads the whole collection)") if index else None,
            kb="mongo-esr-rule"))
    return found


def esr_order(facts: Facts, limits: Thresholds) -> list[Finding]:
    """An index whose field order breaks ESR for a frequent query shape that uses it."""
    found = []
    seen: set[tuple[str, str, str]] = set()
    for row in facts.get("shapes", []):
        if int(row["calls"]) < _limit(limits, "min_shape_calls"):
            continue
        shape = shape_of(row)
        for index in _indexes_of(facts, row["db"], row["collection"]):
            keys = [(str(k), d if isinstance(d, int) else 1) for k, d in index["keys"]]
            if not keys or shape.category(keys[0][0]) is None or (row["db"], row["collection"], index["name"]) in seen:
                continue
            problem = esr_problem(keys, shape)
            if problem is None:
                continue
            seen.add((row["db"], row["collection"], index["name"]))
            better = esr_index(shape)
            found.append(Finding(
                id="indexes.mongo_esr_order", family="indexes", severity="medium",
                object=f"{_ns(row)}.{index['name']}",
                title=f"index {index['name']} {_keys_text(index['keys'])} on {_ns(row)} breaks the ESR order for a "
                      "frequent query",
                evidence={"index": index["name"], "keys": _keys_text(index["keys"]), "problem": problem,
                          "shape": row["key"][:300], "calls": row["calls"]},
                fix=(f"{_coll_js(row)}.createIndex({better.spec_js()}, {{name: \"{better.name}\"}}); then, once "
                     f"queries use it, {_coll_js(row)}.hideIndex(\"{index['name']}\") and later dropIndex it")
                if better else None,
                kb="mongo-esr-rule"))
    return found


def _droppable(index: dict[str, Any]) -> bool:
    return index["name"] != "_id_" and not index.get("unique") and index.get("ttl") is None


def redundant_indexes(facts: Facts, limits: Thresholds) -> list[Finding]:
    """An index whose keys are the leading keys of another on the same collection (same directions)."""
    found = []
    for index in facts.get("indexes", []):
        if not _droppable(index) or index.get("partial") or index.get("sparse"):
            continue
        for other in _indexes_of(facts, index["db"], index["collection"]):
            if other is index or other.get("partial") or other.get("sparse"):
                continue
            keys, wider = index["keys"], other["keys"]
            if len(wider) >= len(keys) and [list(k) for k in wider[:len(keys)]] == [list(k) for k in keys] and (
                    len(wider) > len(keys) or index["name"] > other["name"]):
                kind = "duplicate" if len(wider) == len(keys) else "redundant"
                found.append(Finding(
                    id=f"indexes.{kind}", family="indexes", severity="medium" if kind == "duplicate" else "low",
                    object=f"{_ns(index)}.{index['name']}",
                    title=f"index {index['name']} {_keys_text(keys)} on {_ns(index)} is "
                          + ("the same as" if kind == "duplicate" else "a prefix of") + f" {other['name']} "
                          f"{_keys_text(wider)}",
                    evidence={"index": index["name"], "keys": _keys_text(keys), "covered_by": other["name"],
                              "covered_by_keys": _keys_text(wider)},
                    fix=f"{_coll_js(index)}.hideIndex(\"{index['name']}\")  // watch for a week, then "
                        f"{_coll_js(index)}.dropIndex(\"{index['name']}\")",
                    kb="mongo-unused-indexes"))
                break
    return found


def unused_indexes(facts: Facts, limits: Thresholds) -> list[Finding]:
    usage = facts.get("index_usage")
    server = (facts.get("server") or [{}])[0]
    if usage is None:
        return []
    ops: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in usage:  # one row per member or shard: an index is unused only when it is unused on every one
        key = (row["db"], row["collection"], row["name"])
        seen = ops.setdefault(key, {"ops": 0, "since": row.get("since")})
        seen["ops"] += int(row.get("ops") or 0)
        if row.get("since") and (not seen["since"] or row["since"] < seen["since"]):
            seen["since"] = row["since"]
    candidates = [i for i in facts.get("indexes", []) if _droppable(i)
                  and int((ops.get((i["db"], i["collection"], i["name"])) or {}).get("ops", 1)) == 0]
    if not candidates:
        return []
    uptime = float(server.get("uptime_s") or 0)
    needed = _limit(limits, "min_uptime_s")
    if uptime < needed:
        return [Finding(
            id="indexes.unused_too_early", family="indexes", severity="info", object=None,
            title=f"{len(candidates)} indexes have not been used, but the server has run only {uptime / 3600:,.1f} h",
            evidence={"uptime_s": int(uptime), "needs_s": int(needed),
                      "indexes": ", ".join(f"{_ns(i)}.{i['name']}" for i in candidates[:20])},
            fix="check again after a full business cycle (a week, a month-end) of normal traffic: $indexStats "
                "counts from the last restart (or the index's creation)", kb="mongo-unused-indexes")]
    found = []
    for index in candidates:
        since = (ops.get((index["db"], index["collection"], index["name"])) or {}).get("since")
        found.append(Finding(
            id="indexes.unused", family="indexes", severity="low", object=f"{_ns(index)}.{index['name']}",
            title=f"index {index['name']} on {_ns(index)} has not been used since {since or 'the server started'}",
            evidence={"ops": 0, "since": str(since) if since else None, "keys": _keys_text(index["keys"]),
                      "uptime_s": int(uptime)},
            fix=(f"{_coll_js(index)}.hideIndex(\"{index['name']}\")  // the planner ignores it but it is kept "
                 f"up to date; if nothing slows down for a while: {_coll_js(index)}.dropIndex(\"{index['name']}\"). "
                 "On a replica set or sharded cluster check $indexStats on every member first"),
            kb="mongo-unused-indexes"))
    return found


def ttl_wrong_type(facts: Facts, limits: Thresholds) -> list[Finding]:
    found = []
    for row in facts.get("ttl_fields", []):
        if not row["sampled"] or not row.get("other_types"):
            continue
        never = not row["dates"]
        found.append(Finding(
            id="indexes.mongo_ttl_wrong_type", family="indexes", severity="high" if never else "medium",
            object=f"{_ns(row)}.{row['index']}",
            title=f"TTL index {row['index']} on {_ns(row)}.{row['field']}: "
                  + ("no sampled document holds a date there, so nothing expires" if never else
                     f"{row['sampled'] - row['dates']} of {row['sampled']} sampled documents hold no date and never "
                     "expire"),
            evidence={"field": row["field"], "sampled": row["sampled"], "dates": row["dates"],
                      "other_types": row["other_types"]},
            fix=(f"store a BSON date in {row['field']} (new Date(), not a string or a number); convert the old "
                 f"ones: {_coll_js(row)}.updateMany({{{row['field']}: {{$type: \"string\"}}}}, "
                 f"[{{$set: {{{row['field']}: {{$toDate: \"${row['field']}\"}}}}}}])"),
            kb="mongo-ttl-indexes"))
    return found


# -- schema ------------------------------------------------------------------------------------------------------


def large_documents(facts: Facts, limits: Thresholds) -> list[Finding]:
    found = []
    limit = _limit(limits, "document_bytes")
    for row in facts.get("documents", []):
        if not row["sampled"] or row["max_bytes"] < limit:
            continue
        found.append(Finding(
            id="schema.mongo_large_documents", family="schema",
            severity="high" if row["max_bytes"] >= 8 * 1024 * 1024 else "medium", object=_ns(row),
            title=f"documents in {_ns(row)} reach {row['max_bytes'] / 1024 / 1024:,.1f} MB (the limit is 16 MB)",
            evidence={"max_bytes": row["max_bytes"], "avg_bytes": row["avg_bytes"], "sampled": row["sampled"]},
            fix="move what grows (history, comments, events) into its own collection keyed by the parent's _id, "
                "or use the bucket/subset pattern; every read and update of such a document moves all of it",
            kb="mongo-unbounded-arrays-and-bucket-pattern"))
    return found


def unbounded_arrays(facts: Facts, limits: Thresholds) -> list[Finding]:
    found = []
    limit = _limit(limits, "array_length")
    for row in facts.get("arrays", []):
        if row["max_len"] < limit:
            continue
        found.append(Finding(
            id="schema.mongo_unbounded_array", family="schema", severity="medium", object=f"{_ns(row)}.{row['field']}",
            title=f"array {row['field']} in {_ns(row)} holds up to {row['max_len']:,} elements",
            evidence={"field": row["field"], "max_length": row["max_len"], "avg_length": row["avg_len"],
                      "sampled": row["sampled"]},
            fix=(f"keep {row['field']} bounded: the subset pattern (the latest N with $push/$slice) here and the rest "
                 "in a child collection, or buckets of a fixed size; a multikey index on it holds one key per "
                 "element"),
            kb="mongo-unbounded-arrays-and-bucket-pattern"))
    return found


def no_validation(facts: Facts, limits: Thresholds) -> list[Finding]:
    return [Finding(
        id="schema.mongo_no_validation", family="schema", severity="low", object=_ns(c),
        title=f"collection {_ns(c)} has no schema validation",
        evidence={"documents": c.get("count"), "validator": None},
        fix=(f"db.getSiblingDB(\"{c['db']}\").runCommand({{collMod: \"{c['name']}\", validator: {{$jsonSchema: "
             "{bsonType: \"object\", required: [...], properties: {...}}}, validationLevel: \"moderate\", "
             "validationAction: \"warn\"})  // warn first, then error once the logs are clean"),
        kb="mongo-schema-validation",
    ) for c in facts.get("collections", []) if not c.get("validator") and not c.get("capped") and c.get("count")]


# -- reliability and security ------------------------------------------------------------------------------------


def _server(facts: Facts) -> dict[str, Any] | None:
    rows = facts.get("server")
    return rows[0] if rows else None


def replication(facts: Facts, limits: Thresholds) -> list[Finding]:
    server = _server(facts)
    if server is None:
        return []
    if server.get("topology") == "standalone":
        return [Finding(
            id="reliability.mongo_standalone", family="reliability", severity="medium", object=None,
            title="the server is a standalone mongod: no replica set",
            evidence={"topology": "standalone"},
            fix="run a three-member replica set (mongod --replSet rs0, then rs.initiate()): automatic failover, an "
                "oplog for point-in-time recovery, and transactions and change streams",
            kb="mongo-replica-set-oplog-and-concerns")]
    found = []
    for member in facts.get("replica_members", []):
        unhealthy = not member.get("health") or member.get("state") not in ("PRIMARY", "SECONDARY", "ARBITER")
        lag = member.get("lag_s")
        if unhealthy or (lag is not None and lag > limits.replica_lag_s):
            found.append(Finding(
                id="reliability.mongo_member", family="reliability", severity="high", object=str(member["name"]),
                title=f"replica set member {member['name']} is {member.get('state')}"
                      + (f", {lag:,.0f} s behind the primary" if lag else ""),
                evidence={"state": member.get("state"), "health": member.get("health"), "lag_s": lag},
                fix="rs.status() on the primary; check the member's log, disk and network; a member too far behind "
                    "the oplog window needs an initial sync", kb="mongo-replica-set-oplog-and-concerns"))
    for oplog in facts.get("oplog", []):
        hours = oplog.get("window_hours")
        if hours is not None and hours < _limit(limits, "oplog_hours"):
            found.append(Finding(
                id="reliability.mongo_oplog_window", family="reliability", severity="high" if hours < 6 else "medium",
                object="local.oplog.rs",
                title=f"the oplog holds only {hours:,.1f} h of writes",
                evidence={"window_hours": round(hours, 2), "size_bytes": oplog.get("size_bytes")},
                fix="db.adminCommand({replSetResizeOplog: 1, size: <MB>}) on each member (or minRetentionHours): a "
                    "secondary down longer than the window needs a full resync",
                kb="mongo-replica-set-oplog-and-concerns"))
    return found


def access_control(facts: Facts, limits: Thresholds) -> list[Finding]:
    server = _server(facts)
    if server is None:
        return []
    found = []
    if server.get("auth") is False:
        found.append(Finding(
            id="security.mongo_auth_off", family="security", severity="critical", object=None,
            title="access control is off: anyone who reaches the port can read, change and drop everything",
            evidence={"authorization": "disabled"},
            fix="create an admin user, then start mongod with security.authorization: enabled (and keyFile or x.509 "
                "between replica set members); give applications users with only the roles they need",
            kb="mongo-security-roles-auth-tls"))
    tls = server.get("tls_mode")
    if tls is not None and tls in ("disabled", "none", ""):
        found.append(Finding(
            id="security.ssl_off", family="security", severity="high", object=None,
            title="TLS is off: credentials and data cross the network in clear text",
            evidence={"net.tls.mode": tls},
            fix="net.tls.mode: requireTLS with a certificate (preferTLS / allowTLS while clients move over)",
            kb="mongo-security-roles-auth-tls"))
    return found


def broad_roles(facts: Facts, limits: Thresholds) -> list[Finding]:
    found = []
    for user in facts.get("users", []):
        roles = [r for r in user.get("roles", []) if r.split("@")[0] in BROAD_ROLES]
        if not roles:
            continue
        worst = min((BROAD_ROLES[r.split("@")[0]] for r in roles),
                    key=["critical", "high", "medium", "low", "info"].index)
        found.append(Finding(
            id="security.mongo_broad_roles", family="security", severity=worst if worst != "critical" else "high",
            object=f"{user['user']}@{user['db']}",
            title=f"user {user['user']}@{user['db']} holds {', '.join(roles)}",
            evidence={"roles": ", ".join(user.get("roles", []))},
            fix=(f"db.getSiblingDB(\"{user['db']}\").revokeRolesFromUser(\"{user['user']}\", [...]) and grant "
                 "read/readWrite on the databases it needs; keep one break-glass admin, not application users"),
            kb="mongo-security-roles-auth-tls"))
    return found


RULES = [missing_for_shapes, esr_order, redundant_indexes, unused_indexes, ttl_wrong_type, large_documents,
         unbounded_arrays, no_validation, replication, access_control, broad_roles]


# -- scorecard ---------------------------------------------------------------------------------------------------


def _ids(findings: list[Finding], *rules: str) -> list[str]:
    return [f"{f.id}:{f.object}" for f in findings if f.id in rules]


def scorecard(findings: list[Finding], facts: Facts, limits: Thresholds) -> list[ScoreItem]:
    """The same checklist as the SQL engines', answered from MongoDB facts."""
    server = (facts.get("server") or [{}])[0]
    shapes = [s for s in facts.get("shapes") or [] if s.get("equality") or s.get("sort") or s.get("ranges")] \
        if "shapes" in facts else None
    missing = _ids(findings, "indexes.mongo_shape_without_index")
    ssl = _ids(findings, "security.ssl_off")
    level = server.get("profiler_level")
    return [
        ScoreItem(key="pks", label="PKs everywhere", status="pass",
                  why="every MongoDB collection has a unique _id index"),
        ScoreItem(key="fks", label="FKs indexed", status="unknown",
                  why="MongoDB has no foreign keys; explain flags a $lookup whose foreignField has no index"),
        _p95(facts.get("shapes")),
        ScoreItem(key="index_coverage", label="index coverage > 95%",
                  status="unknown" if not shapes else "fail" if missing else "pass", finding_ids=missing,
                  why="no profiled query shape filters or sorts" if not shapes else
                  f"{len(missing)} of {len(shapes)} profiled query shapes have no index to use" if missing else
                  f"all {len(shapes)} profiled query shapes have an index led by one of their fields"),
        ScoreItem(key="pooling", label="pooling", status="unknown",
                  why="drivers pool connections themselves; the server sees "
                      f"{server.get('connections', '?')} current connections"),
        ScoreItem(key="reversible_migrations", label="reversible migrations", status="unknown",
                  why="whether each migration has a working down step lives in the code, not the database"),
        ScoreItem(key="backups", label="backups", status="unknown" if server.get("topology") != "standalone"
                  else "fail", finding_ids=_ids(findings, "reliability.mongo_standalone"),
                  why="a standalone server has no oplog for point-in-time recovery" if server.get(
                      "topology") == "standalone" else "dumps or snapshots taken elsewhere do not show in the server"),
        ScoreItem(key="ssl", label="SSL", status="unknown" if server.get("tls_mode") is None else
                  "fail" if ssl else "pass", finding_ids=ssl, why=f"net.tls.mode = {server.get('tls_mode', '?')}"),
        ScoreItem(key="monitoring", label="monitoring", status="unknown" if level is None else
                  "pass" if level else "fail",
                  why=f"profiler level {level if level is not None else '?'} on the database in scope"),
    ]


def _p95(shapes: list[dict[str, Any]] | None) -> ScoreItem:
    rows = sorted(shapes or [], key=lambda s: -float(s.get("mean_ms") or 0))
    total = sum(int(s["calls"]) for s in rows)
    if not total:
        return ScoreItem(key="p95", label="p95 < 100 ms", status="unknown", why="the profiler has recorded nothing")
    seen, estimate = 0, float(rows[-1].get("mean_ms") or 0)
    for row in rows:
        seen += int(row["calls"])
        if seen >= 0.05 * total:
            estimate = float(row.get("mean_ms") or 0)
            break
    return ScoreItem(key="p95", label="p95 < 100 ms", status="pass" if estimate < 100 else "fail",
                     why=f"estimated p95 ≈ {estimate:,.1f} ms (profiled shapes' means weighted by calls; the profiler "
                         "records only operations above slowms at level 1)")
