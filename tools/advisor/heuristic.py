"""Advice without the planner (hypopg missing): rank candidates by the workload they were suggested for.

Nothing here is proven: sizes are guesses from row counts and the benefit is unknown. The report says so.
"""

from __future__ import annotations

from dbsage.tools.advisor.candidate import IndexCandidate
from dbsage.tools.schema import SchemaSnapshot

_BYTES_PER_KEY = 8
_TUPLE_OVERHEAD = 16
_FILL = 1.4  # B-tree leaf fill factor and inner pages, roughly


def guess_size(candidate: IndexCandidate, schema: SchemaSnapshot) -> int | None:
    table = schema.find(candidate.table_key)
    if table is None or not table.row_estimate:
        return None
    width = _TUPLE_OVERHEAD + _BYTES_PER_KEY * (len(candidate.keys) + len(candidate.include))
    return int(table.row_estimate * width * _FILL)


def _leads(chosen: IndexCandidate, candidate: IndexCandidate) -> bool:
    """True when `chosen` already starts with every key of `candidate` (same table, no predicate)."""
    return (chosen.table_key == candidate.table_key and not candidate.where
            and chosen.key_columns()[: len(candidate.keys)] == candidate.key_columns())


def rank(suggested: dict[IndexCandidate, set[str]], weights: dict[str, float], schema: SchemaSnapshot,
         budget_bytes: int | None, max_indexes: int | None) -> list[tuple[IndexCandidate, int | None, set[str]]]:
    """Plain (non-covering, non-partial, B-tree) candidates, most-suggested first, composites before their prefixes,
    a pattern operator class before the plain key (it serves `LIKE 'abc%'` under any collation)."""
    plain = [c for c in suggested if not c.include and not c.where and c.method == "btree"]
    plain.sort(key=lambda c: (-sum(weights.get(q, 0.0) for q in suggested[c]), -len(c.keys),
                              not any(k.opclass for k in c.keys), c.name))
    picked: list[tuple[IndexCandidate, int | None, set[str]]] = []
    used = 0
    for candidate in plain:
        if max_indexes is not None and len(picked) >= max_indexes:
            break
        if any(_leads(chosen, candidate) for chosen, _, _ in picked):
            continue
        size = guess_size(candidate, schema)
        if budget_bytes is not None and size is not None and used + size > budget_bytes:
            continue
        used += size or 0
        picked.append((candidate, size, suggested[candidate]))
    return picked
