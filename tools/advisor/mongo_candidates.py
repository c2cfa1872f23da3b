"""Index candidates for MongoDB: one ESR index per query shape (mongo_shape.esr_index), then merged — a candidate
whose keys lead another's is served by the longer one — and dropped where an existing index already leads with the
same keys. What is left is ranked by the weight of the queries it serves (calls or time).

Pure functions: the engine supplies the shapes (from files or the profiler) and the existing indexes; verifying on a
scratch copy is the engine's part (tools/engines/mongo/advise.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from dbsage.tools.advisor.candidate import IndexCandidate, IndexKey
from dbsage.tools.advisor.mongo_shape import EsrIndex, QueryShape, esr_index


@dataclass
class MongoWorkItem:
    """One query of the workload: its command (with BSON values), weight and shape."""

    id: str
    database: str
    command: dict[str, Any]
    shape: QueryShape
    weight: float = 1.0
    preview: str = ""


@dataclass
class MongoCandidate:
    database: str
    index: EsrIndex
    serves: list[str] = field(default_factory=list)  # work item ids
    weight: float = 0.0

    @property
    def key(self) -> tuple[str, str, tuple[tuple[str, int], ...]]:
        return self.database, self.index.collection, tuple(self.index.keys)

    def neutral(self) -> IndexCandidate:
        """The engine-neutral candidate the report and proposals carry (the name comes from here)."""
        return IndexCandidate(schema_name=self.database, table=self.index.collection,
                              keys=tuple(IndexKey(sql=f, descending=d < 0) for f, d in self.index.keys),
                              where=json.dumps(self.index.partial, default=str) if self.index.partial else None)


def _leads(short: list[tuple[str, int]], long: list[tuple[str, int]]) -> bool:
    """`short`'s keys are the first keys of `long` (same directions, or all reversed: the index reads backwards)."""
    if len(short) > len(long):
        return False
    head = long[:len(short)]
    return head == short or head == [(f, -d) for f, d in short]


def candidates(items: list[MongoWorkItem], existing: dict[tuple[str, str], list[tuple[str, list[tuple[str, int]]]]],
               max_indexes: int | None = None) -> tuple[list[MongoCandidate], dict[str, str]]:
    """Candidates ranked by the weight they serve, and per work item served already: the existing index's name.

    `existing` maps (database, collection) to its indexes as (name, keys)."""
    found: dict[tuple[str, str, tuple[tuple[str, int], ...]], MongoCandidate] = {}
    served: dict[str, str] = {}
    for item in items:
        index = esr_index(item.shape)
        if index is None:
            continue
        index.keys = [(f, int(d)) for f, d in index.keys]
        have = next((name for name, keys in existing.get((item.database, index.collection), [])
                     if _leads(index.keys, [(f, d if isinstance(d, int) else 1) for f, d in keys])
                     and not index.partial), None)
        if have is not None:
            served[item.id] = have
            continue
        candidate = MongoCandidate(database=item.database, index=index)
        candidate = found.setdefault(candidate.key, candidate)
        candidate.serves.append(item.id)
        candidate.weight += item.weight
    merged = _merge(list(found.values()))
    merged.sort(key=lambda c: (-c.weight, c.index.collection, c.index.name))
    return merged[:max_indexes] if max_indexes else merged, served


def _merge(found: list[MongoCandidate]) -> list[MongoCandidate]:
    """A candidate whose keys lead a longer one on the same collection is served by that one."""
    kept: list[MongoCandidate] = []
    for candidate in sorted(found, key=lambda c: -len(c.index.keys)):
        longer = next((k for k in kept if k.database == candidate.database
                       and k.index.collection == candidate.index.collection and not candidate.index.partial
                       and not k.index.partial and _leads(candidate.index.keys, k.index.keys)), None)
        if longer is None:
            kept.append(candidate)
            continue
        longer.serves += [s for s in candidate.serves if s not in longer.serves]
        longer.weight += candidate.weight
        longer.index.covering = longer.index.covering and candidate.index.covering
    return kept
