"""The database profiler's documents (`system.profile`) grouped by query shape: what `top` lists, where `check` looks
for frequent shapes without an index, and the workload `advise` reads when no files are given.

A profiler document (MongoDB 4.4–8.0, "Database Profiler Output" in the manual) has `op`, `ns`, `command` (for a
getMore, `originatingCommand` is the query it continues), `millis`, `ts`, and for reads `nreturned`,
`keysExamined`, `docsExamined`, `planSummary` ("COLLSCAN", "IXSCAN { a: 1 }"), `hasSortStage`, `usedDisk`. A field the
server did not write stays unknown (None), never 0: SecantusDB, the test server, writes only op/ns/command/millis.
Pure functions over documents; reading them is in top.py.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dbsage.tools.advisor.mongo_shape import query_shape, shape_key

_DRIVER_NOISE = {"lsid", "$db", "$clusterTime", "$readPreference", "txnNumber", "autocommit", "startTransaction",
                 "maxTimeMS", "readConcern", "cursor", "batchSize", "singleBatch", "comment", "$audit", "apiVersion"}


@dataclass
class ProfiledShape:
    database: str
    collection: str
    op: str
    key: str
    example: dict[str, Any]  # the latest command of this shape, with its values (what explain/advise run)
    calls: int = 0
    total_ms: float = 0.0
    min_ms: float = math.inf
    max_ms: float = 0.0
    square_ms: float = 0.0
    returned: int | None = None
    docs_examined: int | None = None
    keys_examined: int | None = None
    plan_summaries: Counter[str] = field(default_factory=Counter)
    sorts_in_memory: int = 0
    used_disk: int = 0

    @property
    def digest(self) -> str:
        return hashlib.sha1(f"{self.database}.{self.key}".encode()).hexdigest()[:16]

    @property
    def mean_ms(self) -> float:
        return self.total_ms / self.calls if self.calls else 0.0

    @property
    def stddev_ms(self) -> float:
        if self.calls < 2:
            return 0.0
        return math.sqrt(max(self.square_ms / self.calls - self.mean_ms ** 2, 0.0))

    @property
    def collscans(self) -> int:
        return self.plan_summaries.get("COLLSCAN", 0)

    @property
    def text(self) -> str:
        """The shape as a person reads it: `shop.orders find {"filter": {"status": "?"}, "sort": {…}}`."""
        return f"{self.database}.{self.collection} {self.op} {self.key}"


def command_of(document: Mapping[str, Any]) -> dict[str, Any] | None:
    """The command a profiler document records, without the driver's session fields; a getMore gives the query it
    continues. Older servers' `query` documents for op "query" are read as a find."""
    command = document.get("originatingCommand") if document.get("op") == "getmore" else document.get("command")
    if not isinstance(command, Mapping):
        query = document.get("query")
        if document.get("op") == "query" and isinstance(query, Mapping):
            command = {"find": str(document.get("ns", ".")).split(".", 1)[-1], "filter": dict(query)}
        else:
            return None
    return {str(k): v for k, v in command.items() if k not in _DRIVER_NOISE}


def _add(total: int | None, value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return total
    return (total or 0) + int(value)


def group_profile(documents: Iterable[Mapping[str, Any]]) -> list[ProfiledShape]:
    """Profiler documents grouped by (database, shape); newest first in, so `example` is the latest command."""
    shapes: dict[tuple[str, str], ProfiledShape] = {}
    for document in documents:
        namespace = str(document.get("ns") or "")
        database, _, collection = namespace.partition(".")
        command = command_of(document)
        if command is None or not collection or collection.startswith("system.") or collection == "$cmd" \
                or document.get("appName") == "dbsage":  # dbsage's own reads are not the application's load
            continue
        shape = query_shape(command)
        key = shape.key if shape else shape_key(command)
        op = next(iter(command), str(document.get("op")))
        found = shapes.get((database, key))
        if found is None:
            found = shapes[(database, key)] = ProfiledShape(database=database, collection=collection, op=op, key=key,
                                                             example=command)
        millis = float(document.get("millis") or 0)
        found.calls += 1
        found.total_ms += millis
        found.square_ms += millis * millis
        found.min_ms = min(found.min_ms, millis)
        found.max_ms = max(found.max_ms, millis)
        found.returned = _add(found.returned, document.get("nreturned", document.get("nReturned")))
        found.docs_examined = _add(found.docs_examined, document.get("docsExamined"))
        found.keys_examined = _add(found.keys_examined, document.get("keysExamined"))
        if isinstance(document.get("planSummary"), str):
            found.plan_summaries[document["planSummary"].split(" ")[0]] += 1
        found.sorts_in_memory += bool(document.get("hasSortStage"))
        found.used_disk += bool(document.get("usedDisk"))
    for grouped in shapes.values():
        if grouped.min_ms == math.inf:
            grouped.min_ms = 0.0
    return list(shapes.values())


def enabling_steps(database: str, level: int, slowms: Any, sample_rate: Any) -> str:
    """How to turn the profiler on, what it costs, and what the log gives meanwhile."""
    return (f"the profiler is at level {level} on {database} (slowms {slowms}, sampleRate {sample_rate}). Turn it "
            f"on with: use {database}; db.setProfilingLevel(1, {{slowms: 100, sampleRate: 1.0}}) — level 1 records "
            "operations slower than slowms into the capped collection system.profile (1 MB by default), one extra "
            "write per recorded operation: cheap with slowms near your slowest normal queries; sampleRate 0.1 "
            "records a tenth of them on a busy server; level 2 records every operation and can cost a noticeable "
            "share of throughput, so use it briefly. It is per database and per member (set it on each replica set "
            "member); mongod --profile 1 --slowms 100 (or operationProfiling in mongod.conf) keeps it across "
            "restarts. Meanwhile mongod logs every operation slower than slowms to its log even at level 0: "
            "db.adminCommand({getLog: 'global'}) or the log file, 'Slow query' lines")
