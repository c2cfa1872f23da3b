"""What the advisor needs from an engine: planner costs with hypothetical indexes. Engines implement it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from dbsage.tools.advisor.candidate import IndexCandidate
from dbsage.tools.advisor.facts import TableFacts
from dbsage.tools.advisor.workload import WeightBy, WorkloadStatement
from dbsage.tools.guard import GuardedStatement


@dataclass(frozen=True)
class PlanCost:
    """The planner's total cost estimate and the indexes its plan uses (real names, or candidate names)."""

    total: float
    uses: frozenset[str]


class WhatIfBackend(Protocol):
    hypothetical: bool  # True when hypothetical indexes can be costed (hypopg installed)
    fix: str | None  # how to enable them when they cannot
    parameters_note: str  # how statements with $n parameters are planned

    def register(self, statement_id: str, statement: GuardedStatement, parameter_count: int) -> PlanCost:
        """Remember a statement the guard accepted and return its plan without new indexes.

        Raises GuardRefusal when the database side of the guard refuses it (a user function shadows a name it calls),
        DatabaseError when the planner cannot plan it (unknown parameter types, missing table, timeout).
        """
        ...

    def plan(self, statement_id: str, indexes: frozenset[IndexCandidate]) -> PlanCost: ...

    def statistics_workload(self, weight_by: WeightBy) -> list[WorkloadStatement]:
        """The heaviest statements from the engine's statistics view, as a workload to advise for."""
        ...

    def cost(self, statement_id: str, indexes: frozenset[IndexCandidate]) -> float: ...

    def index_size(self, candidate: IndexCandidate) -> int: ...

    def table_facts(self, table_keys: set[str]) -> dict[str, TableFacts]:
        """Row counts, visibility map and column statistics of these tables ("schema.table"), as far as known."""
        ...

    def unindexable(self, candidate: IndexCandidate) -> str | None:
        """Why the server could not build this index (a non-IMMUTABLE function in a key or the predicate, an
        operator class that does not fit the column), or None. Asked before a candidate is costed or ranked."""
        ...

    @property
    def plans_costed(self) -> int: ...
