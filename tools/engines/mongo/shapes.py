"""MongoDB server documents → dbsage's typed models. Pure functions: no client, no I/O.

The adapter (tools/engines/mongo.py) fetches documents; these functions read them. They follow the shapes real
`mongod`/`mongos` return (sharded $collStats/$indexStats rows, privilege lists, text-index keys, ...), which the
test server (SecantusDB) does not all produce, so tests feed them recorded mongod-shaped documents too
(tests/fixtures/mongod/).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bson import json_util
from bson.binary import Binary
from bson.code import Code
from bson.dbref import DBRef
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp

from dbsage.tools.capabilities import Capability, LoginReport
from dbsage.tools.schema import Column, Constraint, Index

# Checked in order: bool before int (bool is an int in Python), Int64 before int.
_BSON_TYPES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (type(None), "null"), (bool, "bool"), (Int64, "long"), (int, "int"), (float, "double"),
    ((Decimal128, Decimal), "decimal"), (str, "string"), (ObjectId, "objectId"), (dt.datetime, "date"),
    ((Binary, bytes, uuid.UUID), "binData"), ((Regex, re.Pattern), "regex"), (Timestamp, "timestamp"),
    (Code, "javascript"), (DBRef, "dbPointer"), (MinKey, "minKey"), (MaxKey, "maxKey"),
    (Mapping, "object"), ((list, tuple), "array"),
)
_INT32 = range(-(2**31), 2**31)


def bson_type(value: Any) -> str:
    """The BSON type name MongoDB uses ($type, validators) for a decoded value."""
    for python_type, name in _BSON_TYPES:
        if isinstance(value, python_type):
            if name == "int" and value not in _INT32:
                return "long"
            return name
    return type(value).__name__


# -- fields from a sample -------------------------------------------------------------------------------------------


@dataclass
class _FieldStats:
    documents: int = 0  # sampled documents that have the path
    types: Counter[str] = field(default_factory=Counter)
    element_types: Counter[str] = field(default_factory=Counter)


def _walk(value: Mapping[str, Any], prefix: str, depth: int, max_depth: int, seen: dict[str, _FieldStats],
          here: set[str], max_fields: int) -> None:
    for key, item in value.items():
        path = f"{prefix}{key}"
        if path not in seen:
            if len(seen) >= max_fields:
                continue
            seen[path] = _FieldStats()
        stats = seen[path]
        here.add(path)
        stats.types[bson_type(item)] += 1
        if isinstance(item, list | tuple):
            stats.element_types.update(bson_type(element) for element in item)
            children: Iterable[Any] = (e for e in item if isinstance(e, Mapping))
        else:
            children = [item] if isinstance(item, Mapping) else []
        if depth < max_depth:
            for child in children:
                # dotted paths reach into arrays of documents, as MongoDB queries do
                _walk(child, f"{path}.", depth + 1, max_depth, seen, here, max_fields)


def _type_text(stats: _FieldStats) -> str:
    names = [name for name, _ in sorted(stats.types.items(), key=lambda kv: (-kv[1], kv[0]))]
    if "array" in names and stats.element_types:
        inner = "|".join(n for n, _ in sorted(stats.element_types.items(), key=lambda kv: (-kv[1], kv[0])))
        names[names.index("array")] = f"array<{inner}>"
    return "|".join(names)


def infer_fields(
    documents: Sequence[Mapping[str, Any]], *, max_depth: int = 3, max_fields: int = 200,
    comments: Mapping[str, str] | None = None,
) -> list[Column]:
    """Fields seen in a sample, as dotted paths down to `max_depth`, with their types and presence ratio.

    `presence` is the share of sampled documents that hold the path; a field is nullable when some document lacks
    it or holds null. At most `max_fields` paths are kept (the first seen), so a result stays bounded.
    """
    seen: dict[str, _FieldStats] = {}
    for document in documents:
        here: set[str] = set()
        _walk(document, "", 1, max_depth, seen, here, max_fields)
        for path in here:
            seen[path].documents += 1
    total = len(documents) or 1
    return [
        Column(name=path, type=_type_text(stats), nullable=stats.documents < total or "null" in stats.types,
               presence=round(stats.documents / total, 4), comment=(comments or {}).get(path))
        for path, stats in seen.items()
    ]


def json_schema_descriptions(validator: Mapping[str, Any] | None) -> dict[str, str]:
    """`description` of each property in a $jsonSchema validator, by dotted path (nested objects included)."""
    found: dict[str, str] = {}

    def visit(schema: Mapping[str, Any], prefix: str) -> None:
        for name, spec in (schema.get("properties") or {}).items():
            if isinstance(spec, Mapping):
                if isinstance(spec.get("description"), str):
                    found[prefix + name] = spec["description"]
                visit(spec, f"{prefix}{name}.")

    schema = (validator or {}).get("$jsonSchema")
    if isinstance(schema, Mapping):
        visit(schema, "")
    return found


def validator_constraint(options: Mapping[str, Any]) -> Constraint | None:
    """A collection validator (JSON schema or query operators) as a check constraint."""
    validator = options.get("validator")
    if not validator:
        return None
    level = options.get("validationLevel", "strict")
    action = options.get("validationAction", "error")
    schema = validator.get("$jsonSchema") if isinstance(validator, Mapping) else None
    required = list(schema.get("required", [])) if isinstance(schema, Mapping) else []
    return Constraint(
        name="validator", kind="check", columns=required,
        definition=f"{json_util.dumps(validator)} (validationLevel {level}, validationAction {action})",
    )


# -- indexes ---------------------------------------------------------------------------------------------------------


def _index_columns(spec: Mapping[str, Any]) -> list[str]:
    key = spec.get("key", {})
    if "_fts" in key:  # a text index stores its fields in `weights`, not in `key`
        prefix = [k for k in key if k not in ("_fts", "_ftsx")]
        return prefix + list(spec.get("weights", {}))
    return list(key)


def index_definition(spec: Mapping[str, Any]) -> str:
    """The key pattern and the options that change what the index holds or does."""
    parts = [json_util.dumps(spec.get("key", {}))]
    if spec.get("unique"):
        parts.append("unique")
    if spec.get("sparse"):
        parts.append("sparse")
    if "partialFilterExpression" in spec:
        parts.append(f"partial {json_util.dumps(spec['partialFilterExpression'])}")
    if "expireAfterSeconds" in spec:
        parts.append(f"TTL {int(spec['expireAfterSeconds'])} s")
    if spec.get("hidden"):
        parts.append("hidden")
    if "collation" in spec:
        parts.append(f"collation {spec['collation'].get('locale', '?')}")
    if "weights" in spec:
        parts.append(f"text weights {json_util.dumps(spec['weights'])}")
    return " ".join(parts)


def index_from_spec(spec: Mapping[str, Any], size_bytes: int | None, ops: int | None) -> Index:
    """One listIndexes entry. `ops` comes from $indexStats (None when the server cannot tell)."""
    name = str(spec["name"])
    primary = name == "_id_"
    unique = primary or bool(spec.get("unique"))
    return Index(name=name, columns=_index_columns(spec), definition=index_definition(spec), unique=unique,
                 primary=primary, size_bytes=size_bytes, scans=ops,
                 backs_constraint=name if unique else None)


def key_constraints(specs: Sequence[Mapping[str, Any]]) -> list[Constraint]:
    """_id is every collection's primary key; a unique index is the only way to get a unique constraint."""
    found = []
    for spec in specs:
        if spec["name"] == "_id_":
            found.append(Constraint(name="_id_", kind="primary key", columns=["_id"], definition="{_id: 1}"))
        elif spec.get("unique"):
            found.append(Constraint(name=str(spec["name"]), kind="unique", columns=_index_columns(spec),
                                    definition=index_definition(spec)))
    return found


def index_usage(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """$indexStats rows → operations per index name, summed over the hosts/shards that reported."""
    usage: Counter[str] = Counter()
    for row in rows:
        usage[str(row["name"])] += int((row.get("accesses") or {}).get("ops") or 0)
    return dict(usage)


# -- storage ---------------------------------------------------------------------------------------------------------


@dataclass
class CollectionStorage:
    count: int | None = None
    size: int | None = None  # uncompressed data
    storage_size: int | None = None  # on disk
    total_index_size: int | None = None
    index_sizes: dict[str, int] = field(default_factory=dict)

    @property
    def total_bytes(self) -> int | None:
        if self.storage_size is None:
            return None
        return self.storage_size + (self.total_index_size or 0)


def storage_from_stats(documents: Iterable[Mapping[str, Any]]) -> CollectionStorage:
    """Read the `collStats` command reply, or `$collStats: {storageStats: {}}` rows (one per shard), alike."""
    storage = CollectionStorage()
    for document in documents:
        stats = document.get("storageStats", document)
        for attr, key in (("count", "count"), ("size", "size"), ("storage_size", "storageSize"),
                          ("total_index_size", "totalIndexSize")):
            if key in stats:
                setattr(storage, attr, (getattr(storage, attr) or 0) + int(stats[key]))
        for name, size in (stats.get("indexSizes") or {}).items():
            storage.index_sizes[name] = storage.index_sizes.get(name, 0) + int(size)
    return storage


# -- server and login ------------------------------------------------------------------------------------------------


def version_text(build_info: Mapping[str, Any]) -> str:
    text = f"MongoDB {build_info.get('version', '?')}"
    if "secantusVersion" in build_info:  # the wire-compatible test server says what it really is
        text += f" (SecantusDB {build_info['secantusVersion']})"
    return text


def topology_capability(hello: Mapping[str, Any]) -> Capability:
    """Standalone, replica set member or mongos, from the `hello` reply."""
    if hello.get("msg") == "isdbgrid":
        return Capability(name="replica_set", available=True, detail="mongos: a sharded cluster")
    if hello.get("setName"):
        role = "primary" if hello.get("isWritablePrimary") else "secondary" if hello.get("secondary") else "member"
        hosts = len(hello.get("hosts") or [])
        return Capability(name="replica_set", available=True,
                          detail=f"replica set {hello['setName']} ({role}, {hosts} data-bearing members)")
    return Capability(
        name="replica_set", available=False, detail="standalone server",
        fix="optional: start mongod with --replSet rs0 and run rs.initiate() (secondaries to read from, "
        "change streams, transactions)",
    )


def profiler_capability(profile: Mapping[str, Any], database: str) -> Capability:
    """The database profiler from `{profile: -1}`: level 0 off, 1 slow operations, 2 everything."""
    level, slowms = int(profile.get("was", 0)), profile.get("slowms", 100)
    sample = profile.get("sampleRate", 1.0)
    fix = f"use {database}; db.setProfilingLevel(1, {{slowms: 100}})"
    if level == 0:
        return Capability(name="profiler", available=False, detail=f"level 0 (off) on {database}", fix=fix)
    what = "every operation: heavy on a busy server" if level == 2 else f"operations slower than {slowms} ms"
    return Capability(name="profiler", available=True,
                      detail=f"level {level} on {database} ({what}, sampleRate {sample:g})")


_SUPER_ROLES = {"root", "__system", "userAdminAnyDatabase"}
_WRITE_ROLES = {
    "readWrite", "readWriteAnyDatabase", "dbAdmin", "dbAdminAnyDatabase", "dbOwner", "userAdmin",
    "userAdminAnyDatabase", "clusterAdmin", "clusterManager", "hostManager", "restore", "root", "__system",
    "enableSharding",
}
_WRITE_ACTIONS = {
    "insert", "update", "remove", "createCollection", "dropCollection", "createIndex", "dropIndex", "dropDatabase",
    "renameCollectionSameDB", "collMod", "convertToCapped", "compact", "emptycapped", "createUser", "dropUser",
    "grantRole", "revokeRole", "createRole", "dropRole", "applyOps", "shutdown", "setFeatureCompatibilityVersion",
    "replSetConfigure", "anyAction", "bypassDocumentValidation", "moveChunk", "enableSharding",
}


def _resource_text(resource: Mapping[str, Any]) -> str:
    if resource.get("cluster"):
        return "the cluster"
    if resource.get("anyResource"):
        return "any resource"
    db, collection = resource.get("db", ""), resource.get("collection", "")
    return f"{db or '*'}.{collection or '*'}"


def _privilege_writes(privileges: Iterable[Mapping[str, Any]]) -> list[str]:
    found = []
    for privilege in privileges:
        actions = sorted(set(privilege.get("actions", [])) & _WRITE_ACTIONS)
        if actions:
            shown = ", ".join(actions[:4]) + ("…" if len(actions) > 4 else "")
            found.append(f"{shown} on {_resource_text(privilege.get('resource', {}))}")
    return found


def login_report(status: Mapping[str, Any], database: str, access_control: bool | None, limit: int = 8) -> LoginReport:
    """What the login may do, from `connectionStatus` with showPrivileges.

    `access_control` is False when an unauthenticated client could list databases: the server then lets anyone
    do anything, which is worse than a superuser login.
    """
    info = status.get("authInfo", {})
    users = info.get("authenticatedUsers", [])
    roles = info.get("authenticatedUserRoles", [])
    recipe = read_only_user_js(database)
    if not users:
        open_server = access_control is False
        report = LoginReport(user="(no authentication)", superuser=open_server, can_write=True if open_server else None,
                             read_only_role_sql=recipe)
        if open_server:
            report.write_privileges = ["everything: the server does not enforce access control"]
            report.warnings.append("the server accepts anyone with full access: enable security.authorization and "
                                   "give dbsage a read-only user (below)")
        return report
    role_names = {r.get("role") for r in roles}
    writes = [f"{r['role']} on {r.get('db', '?')}" for r in roles if r.get("role") in _WRITE_ROLES]
    writes += _privilege_writes(info.get("authenticatedUserPrivileges", []))
    user = ", ".join(f"{u.get('user')}@{u.get('db')}" for u in users)
    report = LoginReport(user=user, superuser=bool(role_names & _SUPER_ROLES), can_write=bool(writes),
                         write_privileges=list(dict.fromkeys(writes))[:limit], read_only_role_sql=recipe)
    if report.superuser:
        report.warnings.append(f"{user} holds {', '.join(sorted(role_names & _SUPER_ROLES))}: the agent should "
                               "log in as a read-only user (below)")
    elif report.can_write:
        report.warnings.append(f"{user} can change data ({'; '.join(report.write_privileges[:2])}): "
                               "prefer a read-only user")
    return report


def read_only_user_js(database: str, user: str = "dbsage_ro") -> str:
    """mongosh commands for the least-privilege user dbsage should log in as."""
    return "\n".join([
        "use admin",
        "db.createUser({",
        f'  user: "{user}",',
        "  pwd: passwordPrompt(),",
        f'  roles: [{{role: "read", db: "{database}"}}, {{role: "clusterMonitor", db: "admin"}}]',
        "})",
    ])
