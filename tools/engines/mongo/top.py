"""`dbsage top` on MongoDB: the heaviest query shapes from the profiler (`system.profile` of each database in scope,
grouped by shape: calls, time, documents returned and examined, COLLSCAN runs) and what runs now (`$currentOp`).

When the profiler is off and has nothing recorded, the report says how to turn it on and what that costs (and
lists what runs now); when nothing at all is known, CapabilityMissing carries the same steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pymongo.errors import OperationFailure

from dbsage.tools.engines.mongo.profiler import ProfiledShape, enabling_steps, group_profile
from dbsage.tools.errors import CapabilityMissing, UsageError
from dbsage.tools.query_result import mask_secrets
from dbsage.tools.top import TopReport, TopStatement

if TYPE_CHECKING:
    from dbsage.tools.engines.mongo.adapter import MongoEngine

MAX_LIMIT = 500
MAX_PROFILE_DOCUMENTS = 5_000  # newest first: a capped system.profile holds a few thousand at 1 MB
MAX_CURRENT_OPS = 200
_FIELDS = {"op": 1, "ns": 1, "command": 1, "originatingCommand": 1, "query": 1, "millis": 1, "nreturned": 1,
           "keysExamined": 1, "docsExamined": 1, "planSummary": 1, "hasSortStage": 1, "usedDisk": 1, "ts": 1}
SORTS = {"total": lambda s: s.total_ms, "mean": lambda s: s.mean_ms, "calls": lambda s: s.calls,
         "io": lambda s: (s.docs_examined or 0) + (s.keys_examined or 0)}


def read_profile(engine: MongoEngine, database: str, limit: int = MAX_PROFILE_DOCUMENTS) -> list[dict[str, Any]]:
    """The newest profiler documents of `database` (bounded); [] when it has none or the login may not read them."""
    try:
        cursor = engine.database(database)["system.profile"].find({}, _FIELDS).sort("$natural", -1).limit(limit)
        return list(cursor)
    except OperationFailure:
        return []


def profiler_level(engine: MongoEngine, database: str) -> dict[str, Any] | None:
    try:
        return dict(engine.database(database).command({"profile": -1}))
    except OperationFailure:
        return None


def current_operations(engine: MongoEngine) -> list[dict[str, Any]]:
    """Operations running now, other than dbsage's own (appName dbsage) and idle connections; [] when refused."""
    try:
        rows = engine.client.admin.aggregate([
            {"$currentOp": {"allUsers": True, "idleConnections": False}},
            {"$match": {"appName": {"$ne": "dbsage"}, "active": True}},
            {"$limit": MAX_CURRENT_OPS}])
        return [r for r in rows if r.get("desc") != "$currentOp" and "$currentOp" not in str(r.get("command"))]
    except OperationFailure:
        return []


def top_statements(engine: MongoEngine, sort: str = "total", limit: int = 20) -> TopReport:
    if sort not in SORTS:
        raise UsageError(f"unknown sort {sort!r}", f"use one of: {', '.join(SORTS)}")
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"--limit must be between 1 and {MAX_LIMIT}", "pick a smaller number")
    notes: list[str] = []
    shapes: list[ProfiledShape] = []
    off: list[str] = []
    with engine._errors():
        engine._probe()
        for database in engine._database_names():
            level = profiler_level(engine, database)
            documents = read_profile(engine, database)
            shapes += group_profile(documents)
            if level is not None and int(level.get("was", 0)) == 0:
                off.append(enabling_steps(database, 0, level.get("slowms", 100), level.get("sampleRate", 1.0)))
            elif level is not None:
                notes.append(f"profiler level {level.get('was')} on {database} (slowms {level.get('slowms')}, "
                             f"sampleRate {level.get('sampleRate', 1.0)}): {len(documents):,} recorded operations read")
        running = current_operations(engine)
    if not shapes and off and not running:
        raise CapabilityMissing("the profiler is off and has recorded nothing, and nothing is running now", off[0])
    shapes.sort(key=SORTS[sort], reverse=True)
    total = sum(s.total_ms for s in shapes) or 1.0
    report = TopReport(sort=sort, limit=limit,  # checked against SORTS above
                       statements=[_statement(s, total) for s in shapes[:limit]], notes=notes)
    report.notes += off[:2]
    report.notes += _running_notes(running)
    report.notes += _heavy_notes(shapes)
    report.notes.append("from system.profile (newest first, at most 5,000 per database), grouped by query shape: "
                        "values are ?; rows = documents returned, rows_examined = documents examined, no_index_used "
                        "= runs whose planSummary was COLLSCAN (unknown where the server records neither)")
    return report


def _statement(shape: ProfiledShape, total_ms: float) -> TopStatement:
    return TopStatement(
        queryid=None, digest=shape.digest, query=mask_secrets(shape.text), role=shape.database, calls=shape.calls,
        rows=shape.returned or 0, total_ms=round(shape.total_ms, 3), mean_ms=round(shape.mean_ms, 3),
        stddev_ms=round(shape.stddev_ms, 3), min_ms=shape.min_ms, max_ms=shape.max_ms,
        shared_blks_hit=0, shared_blks_read=0, shared_blks_dirtied=0, shared_blks_written=0, local_blks_hit=0,
        local_blks_read=0, temp_blks_read=0, temp_blks_written=0, cache_hit_ratio=None,
        share_of_total=shape.total_ms / total_ms, rows_examined=shape.docs_examined,
        no_index_used=shape.collscans if shape.plan_summaries else None,
        tmp_disk_tables=shape.used_disk if shape.used_disk else None,
    )


def _running_notes(running: list[dict[str, Any]]) -> list[str]:
    slow = sorted(running, key=lambda r: -float(r.get("secs_running") or 0))[:5]
    notes = [f"running now ({len(running)} active operation{'s' if len(running) != 1 else ''} from $currentOp)"
             if running else "running now: nothing but dbsage ($currentOp)"]
    for op in slow:
        command = mask_secrets(str(op.get("command", "")))[:160]
        notes.append(f"opid {op.get('opid')} {op.get('op')} on {op.get('ns') or '-'} for "
                     f"{float(op.get('secs_running') or 0):,.0f} s"
                     + (f" ({op.get('planSummary')})" if op.get("planSummary") else "") + f": {command}")
    return notes


def _heavy_notes(shapes: list[ProfiledShape]) -> list[str]:
    notes = []
    for shape in shapes[:20]:
        if shape.collscans:
            notes.append(f"COLLSCAN in {shape.collscans:,} of {shape.calls:,} runs: {shape.text[:100]} — dbsage "
                         "explain it")
        elif shape.docs_examined and shape.returned is not None and shape.docs_examined >= 10 * max(
                shape.returned, 1) and shape.docs_examined >= 1_000:
            notes.append(f"examines {shape.docs_examined / max(shape.returned, 1):,.0f} documents per document "
                         f"returned: {shape.text[:100]} — dbsage explain it")
        if len(notes) >= 3:
            break
    return notes
