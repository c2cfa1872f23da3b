"""Guarded execution on MongoDB: run one command document the guard accepted, bounded in time and size.

The guard (tools/guard/mongo.py) allows only read commands and puts `maxTimeMS` on the command; the engine's client
also carries `timeoutMS`. Here cursors are asked for at most max_rows + 1 documents in their first batch and are
killed right after, so the server holds nothing once dbsage returns; documents past the caps are never fetched.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from pymongo.errors import ExecutionTimeout, NetworkTimeout, PyMongoError

from dbsage.tools.errors import DatabaseError, StatementTimeout
from dbsage.tools.guard import check_mongo
from dbsage.tools.guard.mongo import GuardedMongoCommand
from dbsage.tools.query_result import QueryResult, RowCollector
from dbsage.tools.redact import redact

if TYPE_CHECKING:
    from dbsage.tools.engines.mongo.adapter import MongoEngine


def run_mongo(engine: MongoEngine, operation: dict[str, Any], *, max_rows: int | None = None) -> QueryResult:
    """Check `operation` with the guard and run it on the URI's database (admin-only commands on admin), bounded."""
    guarded = check_mongo(operation, max_time_ms=engine.limits.statement_timeout_ms)
    collector = RowCollector(max_rows or engine.limits.max_rows, engine.limits.max_bytes)
    started = time.monotonic()
    documents, more = _execute(engine, guarded, collector.max_rows)
    columns = _columns(documents)
    for document in documents:
        if not collector.add([document.get(c) for c in columns]):
            break
    if more and collector.truncated_reason is None:
        collector.truncated_reason = f"more than {collector.max_rows} documents: showing the first {len(documents)}"
    return collector.result(engine="mongo", kind=guarded.name, columns=columns, started=started)


def _bounded(guarded: GuardedMongoCommand, max_rows: int) -> dict[str, Any]:
    command = dict(guarded.command)
    if guarded.name == "find":
        requested = command.get("limit")
        command["limit"] = max_rows + 1 if not isinstance(requested, int) or requested <= 0 else min(
            requested, max_rows + 1)
        command["batchSize"] = max_rows + 1
        command["singleBatch"] = True
    elif guarded.name in ("aggregate", "listCollections", "listIndexes"):
        command["cursor"] = {"batchSize": max_rows + 1}
    return command


def _execute(engine: MongoEngine, guarded: GuardedMongoCommand, max_rows: int) -> tuple[list[dict[str, Any]], bool]:
    """The documents of the first batch (at most max_rows + 1) and whether the server had more."""
    db = engine.database("admin" if guarded.admin_only else None)
    try:
        reply = db.command(_bounded(guarded, max_rows))
        cursor = reply.get("cursor")
        if isinstance(cursor, dict):
            documents = list(cursor.get("firstBatch", []))
            if cursor.get("id"):  # never leave a cursor open on the server
                db.command({"killCursors": cursor["ns"].split(".", 1)[1], "cursors": [cursor["id"]]})
            return documents, bool(cursor.get("id")) or len(documents) > max_rows
        if guarded.name == "distinct":
            return [{"value": v} for v in reply.get("values", [])], False
        return [{k: v for k, v in reply.items() if k not in ("$clusterTime", "operationTime")}], False
    except (ExecutionTimeout, NetworkTimeout) as exc:
        raise StatementTimeout(f"MongoDB stopped the operation at its {engine.limits.statement_timeout_ms} ms time "
                               f"limit: {redact(str(exc)).strip()}", "narrow the filter or raise --timeout") from None
    except PyMongoError as exc:
        raise DatabaseError(f"MongoDB error: {redact(str(exc)).strip()}") from None


def _columns(documents: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for document in documents:
        seen.update(dict.fromkeys(document))
    return list(seen)
