"""Search for the index set that lowers the workload's cost most under a storage budget.

Greedy with interaction: every step re-costs each remaining candidate *given the indexes already chosen* (so an index
that a chosen composite makes redundant scores nothing), lazily (a candidate's gain can only shrink as the set grows,
so only the top of the queue is re-costed). Under a budget, greedy also runs by savings per byte and from every pair
of the most useful candidates (partial enumeration). Then an improvement pass drops indexes the final set no longer
needs, tries swaps and k-for-1 exchanges; a chosen index another chosen one leads with (and covers) is left out.
Everything stops at the deadline and keeps the best set found so far. tests/test_advisor_quality.py checks the result
against the exhaustive optimum (exhaustive.py) on small pools.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from dbsage.tools.advisor.candidate import IndexCandidate

Progress = Callable[[str], None]
MAKE_ROOM_TRIES = 12  # candidates that do not fit, tried in turn (most useful alone first)
MAKE_ROOM_STARTS = 2  # chosen indexes each such try may start evicting from
SEEDS = 6  # under a budget, greedy also grows a set from each pair of this many most useful candidates


class CostOracle(Protocol):
    """Planner cost of one statement with exactly these hypothetical indexes (the backend caches)."""

    def cost(self, statement_id: str, indexes: frozenset[IndexCandidate]) -> float: ...


def leads_with(index: IndexCandidate, other: IndexCandidate) -> bool:
    """True when the B-tree `index` starts with every key of `other` (same table, same predicate) and is not just as
    long with fewer INCLUDE columns: then `index` serves every statement `other` serves. Directions are not
    compared (a B-tree is read backwards as cheaply)."""
    if (index == other or index.table_key != other.table_key or index.where != other.where
            or index.method != "btree" or len(index.keys) < len(other.keys)):
        return False
    if [(k.sql, k.opclass) for k in index.keys[: len(other.keys)]] != [(k.sql, k.opclass) for k in other.keys]:
        return False
    return len(index.keys) > len(other.keys) or set(other.include) <= set(index.include)


def covers(index: IndexCandidate, other: IndexCandidate) -> bool:
    """True when every column `other` holds (keys and INCLUDE) is in `index` too: whatever index-only scan `other`
    allows, `index` allows."""
    held = {k.sql for k in index.keys} | set(index.include)
    return {k.sql for k in other.keys} | set(other.include) <= held


@dataclass
class SearchSpace:
    weights: dict[str, float]
    relevant: dict[IndexCandidate, frozenset[str]]
    sizes: dict[IndexCandidate, int]
    budget_bytes: int | None = None
    max_indexes: int | None = None
    deadline: float = float("inf")
    min_gain_share: float = 0.0  # an index must save this share of the workload's *current* cost


@dataclass
class SearchResult:
    chosen: frozenset[IndexCandidate]
    total_before: float
    total_after: float
    timed_out: bool = False
    evaluations: int = 0
    notes: list[str] = field(default_factory=list)


class IndexSearch:
    def __init__(self, space: SearchSpace, oracle: CostOracle, progress: Progress | None = None) -> None:
        self.space = space
        self.oracle = oracle
        self.progress = progress or (lambda _msg: None)
        self.timed_out = False
        self.evaluations = 0
        self._tick = itertools.count()

    # -- costs -----------------------------------------------------------------------------------------------------

    def statement_cost(self, statement_id: str, chosen: frozenset[IndexCandidate]) -> float:
        visible = frozenset(c for c in chosen if statement_id in self.space.relevant[c])
        self.evaluations += 1
        return self.oracle.cost(statement_id, visible)

    def total(self, chosen: frozenset[IndexCandidate]) -> float:
        return sum(w * self.statement_cost(q, chosen) for q, w in self.space.weights.items())

    def delta(self, before: frozenset[IndexCandidate], after: frozenset[IndexCandidate]) -> float:
        """Weighted cost saved by moving from `before` to `after` (only statements the change touches)."""
        touched = set().union(*(self.space.relevant[c] for c in before ^ after)) if before ^ after else set()
        return sum(self.space.weights[q] * (self.statement_cost(q, before) - self.statement_cost(q, after))
                   for q in touched)

    def threshold(self, chosen: frozenset[IndexCandidate]) -> float:
        """Relative to the cost left: once a huge statement is fixed, the rest of the workload still counts."""
        return self.space.min_gain_share * self.total(chosen)

    # -- constraints -----------------------------------------------------------------------------------------------

    def size(self, chosen: frozenset[IndexCandidate]) -> int:
        return sum(self.space.sizes[c] for c in chosen)

    def fits(self, chosen: frozenset[IndexCandidate]) -> bool:
        within_budget = self.space.budget_bytes is None or self.size(chosen) <= self.space.budget_bytes
        within_count = self.space.max_indexes is None or len(chosen) <= self.space.max_indexes
        return within_budget and within_count

    def out_of_time(self) -> bool:
        if time.monotonic() >= self.space.deadline:
            self.timed_out = True
        return self.timed_out

    # -- greedy ----------------------------------------------------------------------------------------------------

    def greedy(self, start: frozenset[IndexCandidate], by_ratio: bool) -> frozenset[IndexCandidate]:
        chosen = start
        queue: list[tuple[float, int, IndexCandidate]] = []
        for candidate in self.space.relevant:
            if candidate not in chosen:
                queue.append((-float("inf"), next(self._tick), candidate))
        heapq.heapify(queue)
        min_gain = self.threshold(chosen)
        while queue and not self.out_of_time():
            _, _, candidate = heapq.heappop(queue)
            grown = chosen | {candidate}
            if not self.fits(grown):
                continue  # the budget only shrinks as the set grows
            gain = self.delta(chosen, grown)
            score = gain / max(self.space.sizes[candidate], 1) if by_ratio else gain
            if queue and score < -queue[0][0]:
                heapq.heappush(queue, (-score, next(self._tick), candidate))
                continue
            if gain <= min_gain:
                continue
            chosen = grown
            min_gain = self.threshold(chosen)
            self.progress(f"chose {candidate.name} (saves {gain:,.0f}); {len(chosen)} chosen")
        return chosen

    # -- improvement -----------------------------------------------------------------------------------------------

    def prune(self, chosen: frozenset[IndexCandidate]) -> frozenset[IndexCandidate]:
        """Drop indexes whose work the rest of the set already does (interaction found after the fact)."""
        for candidate in sorted(chosen, key=lambda c: -self.space.sizes[c]):
            if self.out_of_time():
                break
            without = chosen - {candidate}
            if -self.delta(chosen, without) <= self.threshold(chosen):
                chosen = without
                self.progress(f"dropped {candidate.name}: the other indexes cover it")
        return chosen

    def swap(self, chosen: frozenset[IndexCandidate], solo: dict[IndexCandidate, float]) -> frozenset[IndexCandidate]:
        """Replace one chosen index by one unchosen candidate on the same table when that saves more."""
        for current in sorted(chosen, key=lambda c: solo.get(c, 0.0)):
            if self.out_of_time() or current not in chosen:
                continue
            rivals = sorted((c for c in solo if c not in chosen and c.table_key == current.table_key),
                            key=lambda c: -solo[c])[:8]
            best, best_gain = None, self.threshold(chosen)
            for rival in rivals:
                trial = (chosen - {current}) | {rival}
                if self.fits(trial):
                    gain = self.delta(chosen, trial)
                    if gain > best_gain:
                        best, best_gain = trial, gain
            if best is not None:
                chosen = best
                self.progress(f"swapped {current.name} for a better index (saves {best_gain:,.0f} more)")
        return chosen

    def make_room(self, chosen: frozenset[IndexCandidate], solo: dict[IndexCandidate, float]
                  ) -> frozenset[IndexCandidate]:
        """Try each promising candidate that does not fit: evict one of the chosen indexes that lose least per byte,
        then more in that order until it fits, refill greedily (by savings and by savings per byte), and keep the
        result when the workload gets cheaper (a k-for-1 exchange). Starting the eviction from different indexes
        finds exchanges a single order misses (two indexes on different tables trading places)."""
        best, best_total = chosen, self.total(chosen)
        outside = sorted((c for c in solo if c not in chosen and not self.fits(chosen | {c})), key=lambda c: -solo[c])
        loss = {c: -self.delta(chosen, chosen - {c}) / max(self.space.sizes[c], 1) for c in chosen}
        order = sorted(chosen, key=lambda c: loss[c])
        for candidate in outside[:MAKE_ROOM_TRIES]:
            for first in order[:MAKE_ROOM_STARTS]:
                if self.out_of_time():
                    return best
                trial = chosen - {first}
                for victim in order:
                    if self.fits(trial | {candidate}):
                        break
                    trial = trial - {victim}
                if not self.fits(trial | {candidate}):
                    continue
                for by_ratio in (True, False):
                    refilled = self.greedy(trial | {candidate}, by_ratio=by_ratio)
                    total = self.total(refilled)
                    if total < best_total - self.threshold(best):
                        best, best_total = refilled, total
                        self.progress(f"made room for {candidate.name}")
        return best

    def without_prefixes(self, chosen: frozenset[IndexCandidate]) -> frozenset[IndexCandidate]:
        """A chosen index whose key another chosen index leads with (same predicate), and whose columns that one
        holds too, is left out: the longer one serves its statements, and a DBA should not be told to build both.
        Its small extra gain (a smaller index to scan) is not worth a second index to write and keep. A shorter
        covering index (`(a) INCLUDE (c)` beside `(a, b)`) stays: it allows index-only scans the other does not."""
        kept = chosen
        for short in sorted(chosen, key=lambda c: len(c.keys)):
            if any(other is not short and other in kept and leads_with(other, short) and covers(other, short)
                   for other in chosen):
                kept = kept - {short}
                self.progress(f"dropped {short.name}: another chosen index leads with its key")
        return kept

    def seeded(self, chosen: frozenset[IndexCandidate], solo: dict[IndexCandidate, float]
               ) -> frozenset[IndexCandidate]:
        """Under a budget, greedy from every pair of the most useful candidates (partial enumeration, as for the
        knapsack problem): a set whose big index leaves room only for small ones is one greedy from nothing misses,
        since it takes the cheapest-per-byte or the biggest saving first and then has no room."""
        best, best_total = chosen, self.total(chosen)
        seeds = sorted(solo, key=lambda c: (-solo[c], c.name))[:SEEDS]
        for pair in itertools.combinations(seeds, 2):
            start = frozenset(pair)
            if self.out_of_time():
                break
            if not self.fits(start) or any(leads_with(a, b) or leads_with(b, a) for a, b in [pair]):
                continue
            for by_ratio in (True, False):
                trial = self.greedy(start, by_ratio=by_ratio)
                total = self.total(trial)
                if total < best_total - self.threshold(best):
                    best, best_total = trial, total
        if best != chosen:
            self.progress("a set grown from two seeds costs less")
        return best

    def run(self, solo: dict[IndexCandidate, float]) -> SearchResult:
        empty: frozenset[IndexCandidate] = frozenset()
        before = self.total(empty)
        chosen = self.greedy(empty, by_ratio=False)
        notes = []
        if self.space.budget_bytes is not None and not self.out_of_time():
            by_ratio = self.greedy(empty, by_ratio=True)
            if self.total(by_ratio) < self.total(chosen):
                chosen = by_ratio
                notes.append("the budget binds: chose by savings per byte")
            chosen = self.seeded(chosen, solo)
        for _ in range(3):
            if self.out_of_time():
                break
            improved = self.greedy(self.swap(self.prune(chosen), solo), by_ratio=False)
            if self.space.budget_bytes is not None:
                improved = self.make_room(improved, solo)
            if improved == chosen:
                break
            chosen = improved
        chosen = self.without_prefixes(chosen)
        after = self.total(chosen)
        return SearchResult(chosen=chosen, total_before=before, total_after=after, timed_out=self.timed_out,
                            evaluations=self.evaluations, notes=notes)
