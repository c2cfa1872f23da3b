"""The MongoDB guard: one command document, read-only commands only, no server-side code, maxTimeMS always set.

A MongoDB operation arrives as the command document `db.command()` takes (`{"find": "orders", "filter": …}`,
`{"aggregate": "orders", "pipeline": […]}`). The first key names the command; it must be on the allow-list. Every
nested key is then checked, so `$out`/`$merge` and JavaScript (`$where`, `$function`, `$accumulator`) are refused
wherever they hide (sub-pipelines, `$lookup`, `$facet`, `$unionWith`, an explained command).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from dbsage.tools.errors import GuardRefusal

_HINT = "dbsage runs find, aggregate, count, distinct and read-only diagnostic commands"

# Read-only commands. Cursor-returning ones are bounded by the executor (batchSize, limit, killCursors).
READ_COMMANDS = frozenset({
    "find", "aggregate", "count", "distinct", "explain",
    "listCollections", "listIndexes", "listDatabases", "collStats", "dbStats", "dataSize",
    "serverStatus", "buildInfo", "hostInfo", "connectionStatus", "ping", "hello", "isMaster", "currentOp",
    "getCmdLineOpts", "getLog", "top", "replSetGetStatus", "replSetGetConfig", "validateDBMetadata",
})

# Read commands the server accepts only on the admin database: the executor sends them there.
ADMIN_COMMANDS = frozenset({"listDatabases", "currentOp", "getCmdLineOpts", "getLog", "top", "replSetGetStatus",
                            "replSetGetConfig"})

# Commands that could be mistaken for reads, with the reason they are refused (the list above is what grants).
_COMMAND_REASONS: dict[str, str] = {
    "eval": "eval runs JavaScript on the server",
    "$eval": "eval runs JavaScript on the server",
    "mapReduce": "mapReduce runs JavaScript and can write a collection",
    "profile": "profile changes the profiler level",
    "killOp": "killOp ends other operations",
    "killCursors": "killCursors ends other sessions' cursors",
    "setParameter": "setParameter changes the server configuration",
    "validate": "validate locks the collection",
    "compact": "compact rewrites a collection",
    "fsync": "fsync locks the server",
    "getMore": "getMore reads a cursor the guard did not open",
}

# Operators and stages refused anywhere in a command.
FORBIDDEN_KEYS: dict[str, str] = {
    "$out": "$out writes a collection",
    "$merge": "$merge writes a collection",
    "$where": "$where runs JavaScript on the server",
    "$function": "$function runs JavaScript on the server",
    "$accumulator": "$accumulator runs JavaScript on the server",
    "$changeStream": "$changeStream opens a cursor that never ends",
    "writeConcern": "write concern belongs to writes",
}

# Collections whose documents are secrets; refused as the command's collection or a $lookup/$unionWith source.
SECRET_COLLECTIONS: dict[str, str] = {
    "system.users": "holds password hashes (SCRAM credentials)",
    "system.keys": "holds the cluster's signing keys",
}
_SOURCE_KEYS = frozenset({"from", "coll", "$unionWith"})

# Server-side time limit: the server itself stops the operation (the guard's database-side layer for MongoDB).
_NO_MAX_TIME = frozenset({"explain", "ping", "hello", "isMaster", "buildInfo", "hostInfo", "connectionStatus"})


class GuardedMongoCommand(BaseModel):
    """A command the guard accepted. `command` is a copy with maxTimeMS set (except where the server refuses it)."""

    name: str
    command: dict[str, Any]
    admin_only: bool = False


def _walk_keys(value: Any, path: str = "") -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if not isinstance(key, str):
                raise GuardRefusal(f"a non-text key at {path or 'top level'}", _HINT)
            if key in FORBIDDEN_KEYS:
                raise GuardRefusal(f"{FORBIDDEN_KEYS[key]} (at {path + key})", _HINT)
            if key in _SOURCE_KEYS and isinstance(inner, str):
                _refuse_secret_collection(inner)
            _walk_keys(inner, f"{path}{key}.")
    elif isinstance(value, list | tuple):
        for index, inner in enumerate(value):
            _walk_keys(inner, f"{path}{index}.")


def _refuse_secret_collection(name: str) -> None:
    if name in SECRET_COLLECTIONS:
        raise GuardRefusal(f"{name} {SECRET_COLLECTIONS[name]}; dbsage does not read secrets",
                           "use the usersInfo command's role listing from an admin tool instead")


def check_mongo_command(operation: dict[str, Any], *, max_time_ms: int = 5_000) -> GuardedMongoCommand:
    """Accept `operation` as a read-only command document, or raise GuardRefusal saying why not."""
    if not isinstance(operation, dict) or not operation:
        raise GuardRefusal("a MongoDB operation must be one non-empty command document", _HINT)
    name = next(iter(operation))
    if name not in READ_COMMANDS:
        reason = _COMMAND_REASONS.get(name, f"{name} is not a read-only command dbsage knows")
        raise GuardRefusal(reason, _HINT)
    _walk_keys(operation)
    if isinstance(operation[name], str):
        _refuse_secret_collection(operation[name])
    if name == "explain":
        inner = operation.get("explain")
        if not isinstance(inner, dict) or next(iter(inner), None) not in {"find", "aggregate", "count", "distinct"}:
            raise GuardRefusal("explain only of find, aggregate, count or distinct", _HINT)
        if operation.get("verbosity") not in (None, "queryPlanner", "executionStats", "allPlansExecution"):
            raise GuardRefusal("unknown explain verbosity", "use queryPlanner or executionStats")
    if name == "aggregate" and not isinstance(operation.get("pipeline"), list):
        raise GuardRefusal("aggregate needs a pipeline list", _HINT)
    if name == "currentOp" and operation.get("$all") is not None and not isinstance(operation.get("$all"), bool):
        raise GuardRefusal("currentOp $all must be true or false", _HINT)
    command = dict(operation)
    if name == "explain":  # the time limit goes on the explained command, which is what runs
        command["explain"] = _with_max_time(command["explain"], max_time_ms)
    elif name not in _NO_MAX_TIME:
        command = _with_max_time(command, max_time_ms)
    return GuardedMongoCommand(name=name, command=command, admin_only=name in ADMIN_COMMANDS)


def _with_max_time(command: dict[str, Any], max_time_ms: int) -> dict[str, Any]:
    command = dict(command)
    requested = command.get("maxTimeMS")
    if not isinstance(requested, int) or requested <= 0 or requested > max_time_ms:
        command["maxTimeMS"] = max_time_ms  # never unbounded, never longer than the session limit
    return command
