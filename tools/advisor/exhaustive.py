"""The exhaustive optimum over a small candidate pool: the yardstick for the budgeted search (search.py).

Every set of the pool that fits the budget is costed with the same planner oracle; only sets no further candidate fits
into are evaluated, since an index the planner may ignore never makes a plan dearer. Exponential: pools of at most
MAX_POOL candidates (tests/test_advisor_quality.py, bench/advisor).
"""

from __future__ import annotations

from dataclasses import dataclass

from dbsage.tools.advisor.access import analyze
from dbsage.tools.advisor.backend import WhatIfBackend
from dbsage.tools.advisor.candidate import IndexCandidate
from dbsage.tools.advisor.candidates import generate, leading_keys
from dbsage.tools.advisor.facts import CandidateContext
from dbsage.tools.advisor.search import CostOracle, SearchSpace
from dbsage.tools.advisor.workload import WorkloadStatement
from dbsage.tools.errors import UsageError
from dbsage.tools.schema import SchemaSnapshot

MAX_POOL = 20


@dataclass
class Optimum:
    chosen: frozenset[IndexCandidate]
    total: float
    sets_costed: int


def workload_total(space: SearchSpace, oracle: CostOracle, chosen: frozenset[IndexCandidate]) -> float:
    """Σ weight × planner cost, each statement seeing only the chosen indexes relevant to it (as the search does)."""
    return sum(w * oracle.cost(q, frozenset(c for c in chosen if q in space.relevant[c]))
               for q, w in space.weights.items())


def exhaustive(space: SearchSpace, oracle: CostOracle) -> Optimum:
    pool = sorted(space.relevant, key=lambda c: (space.sizes[c], c.name))
    if len(pool) > MAX_POOL:
        raise UsageError(f"an exhaustive search over {len(pool)} candidates is too long",
                         f"give it at most {MAX_POOL}")
    budget = space.budget_bytes if space.budget_bytes is not None else sum(space.sizes.values())
    limit = space.max_indexes if space.max_indexes is not None else len(pool)
    best = Optimum(frozenset(), workload_total(space, oracle, frozenset()), 1)

    def visit(position: int, chosen: list[IndexCandidate], room: int, smallest_left_out: int) -> None:
        if position == len(pool):
            if smallest_left_out <= room and len(chosen) < limit:
                return  # not maximal: a left-out candidate still fits, and that set is visited too
            best.sets_costed += 1
            total = workload_total(space, oracle, frozenset(chosen))
            if total < best.total:
                best.chosen, best.total = frozenset(chosen), total
            return
        candidate = pool[position]
        size = space.sizes[candidate]
        if size <= room and len(chosen) < limit:
            visit(position + 1, [*chosen, candidate], room - size, smallest_left_out)
        visit(position + 1, chosen, room, min(smallest_left_out, size))

    visit(0, [], budget, budget + 1)
    return best


def small_pool(backend: WhatIfBackend, schema: SchemaSnapshot, statements: list[WorkloadStatement],
               size: int = 16) -> tuple[SearchSpace, dict[IndexCandidate, float]]:
    """A pool of `size` of dbsage's own candidates that covers the workload: each statement's best candidate in turn
    (heaviest statement first), then each one's second best, …; with the statements each may help and the savings
    alone (the search's `solo`). The statements must be plain SELECTs the guard accepts."""
    from dbsage.tools.advisor.advisor import schema_map
    from dbsage.tools.guard import check

    mapping = schema_map(schema)
    accesses = {}
    weights = {}
    for statement in statements:
        guarded = check(statement.sql, "postgres")
        backend.register(statement.id, guarded, statement.parameter_count)
        accesses[statement.id] = analyze(guarded.sql, mapping)
        weights[statement.id] = statement.weight
    tables = {a.table_key for group in accesses.values() for a in group}
    context = CandidateContext(facts=backend.table_facts(tables), hash_indexes=True)
    suggested = {c: qs for c, qs in generate(accesses, schema, context).items() if backend.unindexable(c) is None}
    # as the advisor does: an index matters to every statement that filters, joins, sorts or groups on its first key
    leads = {q: leading_keys(group) for q, group in accesses.items()}
    relevant = {c: frozenset(q for q, keys in leads.items() if c.keys[0].sql in keys.get(c.table_key, set()))
                for c in suggested}
    empty: frozenset[IndexCandidate] = frozenset()
    saving = {(q, c): weights[q] * (backend.cost(q, empty) - backend.cost(q, frozenset({c})))
              for c, qs in relevant.items() for q in qs}
    solo = {c: sum(saving[(q, c)] for q in qs) for c, qs in relevant.items()}
    pool = _cover_statements(saving, weights, {q: backend.cost(q, empty) for q in weights}, size)
    space = SearchSpace(weights=weights, relevant={c: relevant[c] for c in pool},
                        sizes={c: backend.index_size(c) for c in pool})
    return space, {c: solo[c] for c in pool}


def _cover_statements(saving: dict[tuple[str, IndexCandidate], float], weights: dict[str, float],
                      base: dict[str, float], size: int) -> list[IndexCandidate]:
    """Round-robin over the statements, heaviest first: the candidates that lower each one most. A pool of the
    candidates most useful to the whole workload would, on a workload with one huge table, hold only that table's."""
    ranked: dict[str, list[IndexCandidate]] = {}
    for (q, c), saved in sorted(saving.items(), key=lambda item: (-item[1], item[0][1].name)):
        if saved > 0:
            ranked.setdefault(q, []).append(c)
    order = sorted(ranked, key=lambda q: -weights[q] * base[q])
    pool: list[IndexCandidate] = []
    depth = 0
    while len(pool) < size and any(depth < len(ranked[q]) for q in order):
        for q in order:
            if depth < len(ranked[q]) and ranked[q][depth] not in pool and len(pool) < size:
                pool.append(ranked[q][depth])
        depth += 1
    return pool
