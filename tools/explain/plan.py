"""The plan model: one PlanNode per node of `EXPLAIN (FORMAT JSON[, ANALYZE, BUFFERS])`, with derived figures.

Derived figures a reader needs and the raw JSON does not give directly:
- `inclusive_ms`: time spent in the node and its children over all loops (actual time per loop × loops);
- `exclusive_ms` / `share`: the node's own part of the total (children subtracted, never below zero);
- `misestimate`: how far the planner's row estimate was from the rows seen (≥ 1, either direction);
- `hot`: the node lies on the path from the root that carries the most time (cost without ANALYZE).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, Field

from dbsage.tools.errors import DatabaseError

_AGGREGATES = {"Sorted": "GroupAggregate", "Hashed": "HashAggregate", "Mixed": "MixedAggregate"}


class Buffers(BaseModel):
    shared_hit: int = 0
    shared_read: int = 0
    shared_dirtied: int = 0
    shared_written: int = 0
    local_hit: int = 0
    local_read: int = 0
    temp_read: int = 0
    temp_written: int = 0

    @property
    def total(self) -> int:
        return self.shared_hit + self.shared_read + self.local_hit + self.local_read + self.temp_read


class PlanNode(BaseModel):
    id: int = Field(description="pre-order position in the tree; insights refer to nodes by it")
    node_type: str
    parent_relationship: str | None = None
    relation: str | None = None
    schema_name: str | None = None
    alias: str | None = None
    index_name: str | None = None
    join_type: str | None = None
    strategy: str | None = None
    startup_cost: float = 0.0
    total_cost: float = 0.0
    plan_rows: float = 0.0
    plan_width: int = 0
    actual_rows: float | None = Field(default=None, description="rows per loop (ANALYZE only)")
    actual_loops: int | None = None
    actual_total_ms: float | None = Field(default=None, description="time per loop, as PostgreSQL reports it")
    filter: str | None = None
    index_cond: str | None = None
    recheck_cond: str | None = None
    hash_cond: str | None = None
    join_filter: str | None = None
    rows_removed_by_filter: float | None = None
    rows_removed_by_index_recheck: float | None = None
    sort_key: list[str] = Field(default_factory=list)
    sort_method: str | None = None
    sort_space_type: str | None = None
    sort_space_kb: int | None = None
    hash_batches: int | None = None
    original_hash_batches: int | None = None
    peak_memory_kb: int | None = None
    disk_usage_kb: int | None = None
    exact_heap_blocks: int | None = None
    lossy_heap_blocks: int | None = None
    workers_planned: int | None = None
    workers_launched: int | None = None
    parallel_aware: bool = False
    buffers: Buffers | None = None
    children: list[PlanNode] = Field(default_factory=list)
    # derived
    inclusive_ms: float | None = None
    exclusive_ms: float | None = None
    exclusive_cost: float = 0.0
    share: float = Field(default=0.0, description="the node's own share of the whole, 0..1 (time, else cost)")
    hot: bool = False

    @property
    def label(self) -> str:
        """Short human label: `Seq Scan on orders o`, `Index Scan using orders_pkey on orders`."""
        text = self.node_type
        if self.node_type == "Aggregate" and self.strategy in _AGGREGATES:
            text = _AGGREGATES[self.strategy]
        if self.join_type and self.join_type != "Inner" and ("Join" in text or text == "Nested Loop"):
            text = f"{text} ({self.join_type})"
        if self.index_name:
            text += f" using {self.index_name}"
        if self.relation:
            text += f" on {self.relation}" + (f" {self.alias}" if self.alias and self.alias != self.relation else "")
        return text

    @property
    def rows_seen(self) -> float | None:
        """Rows the node returned over all loops (ANALYZE only)."""
        if self.actual_rows is None:
            return None
        return self.actual_rows * (self.actual_loops or 1)

    @property
    def misestimate(self) -> float | None:
        """max(est, actual) / min(est, actual) per loop, both floored at 1 row; None without ANALYZE."""
        if self.actual_rows is None or not self.actual_loops:
            return None
        est, act = max(self.plan_rows, 1.0), max(self.actual_rows, 1.0)
        return max(est, act) / min(est, act)

    def walk(self) -> Iterator[PlanNode]:
        yield self
        for child in self.children:
            yield from child.walk()


class Plan(BaseModel):
    root: PlanNode
    analyzed: bool = False
    planning_ms: float | None = None
    execution_ms: float | None = None
    settings: dict[str, str] = Field(default_factory=dict, description="non-default planner settings (SETTINGS)")

    def nodes(self) -> list[PlanNode]:
        return list(self.root.walk())

    def node(self, node_id: int) -> PlanNode:
        return next(n for n in self.root.walk() if n.id == node_id)

    def parent_of(self, node_id: int) -> PlanNode | None:
        return next((n for n in self.root.walk() if any(c.id == node_id for c in n.children)), None)


_FIELDS = {
    "Node Type": "node_type", "Parent Relationship": "parent_relationship", "Relation Name": "relation",
    "Schema": "schema_name", "Alias": "alias", "Index Name": "index_name", "Join Type": "join_type",
    "Strategy": "strategy", "Startup Cost": "startup_cost", "Total Cost": "total_cost", "Plan Rows": "plan_rows",
    "Plan Width": "plan_width", "Actual Rows": "actual_rows", "Actual Loops": "actual_loops",
    "Actual Total Time": "actual_total_ms", "Filter": "filter", "Index Cond": "index_cond",
    "Recheck Cond": "recheck_cond", "Hash Cond": "hash_cond", "Join Filter": "join_filter",
    "Rows Removed by Filter": "rows_removed_by_filter",
    "Rows Removed by Index Recheck": "rows_removed_by_index_recheck", "Sort Key": "sort_key",
    "Sort Method": "sort_method", "Sort Space Type": "sort_space_type", "Sort Space Used": "sort_space_kb",
    "Hash Batches": "hash_batches", "Original Hash Batches": "original_hash_batches",
    "Peak Memory Usage": "peak_memory_kb", "Disk Usage": "disk_usage_kb", "Exact Heap Blocks": "exact_heap_blocks",
    "Lossy Heap Blocks": "lossy_heap_blocks", "Workers Planned": "workers_planned",
    "Workers Launched": "workers_launched", "Parallel Aware": "parallel_aware",
}
_BUFFER_FIELDS = {
    "Shared Hit Blocks": "shared_hit", "Shared Read Blocks": "shared_read", "Shared Dirtied Blocks": "shared_dirtied",
    "Shared Written Blocks": "shared_written", "Local Hit Blocks": "local_hit", "Local Read Blocks": "local_read",
    "Temp Read Blocks": "temp_read", "Temp Written Blocks": "temp_written",
}


def _node(raw: dict[str, Any], counter: Iterator[int]) -> PlanNode:
    values: dict[str, Any] = {"id": next(counter)}
    values.update({ours: raw[theirs] for theirs, ours in _FIELDS.items() if raw.get(theirs) is not None})
    if "HashAgg Batches" in raw:  # PostgreSQL 13+: a hash aggregate that spills reports batches, not Hash Batches
        values["hash_batches"] = raw["HashAgg Batches"]
    if any(key in raw for key in _BUFFER_FIELDS):
        values["buffers"] = Buffers(**{ours: raw.get(theirs, 0) for theirs, ours in _BUFFER_FIELDS.items()})
    values["children"] = [_node(child, counter) for child in raw.get("Plans", [])]
    return PlanNode(**values)


def parse_plan(document: Any) -> Plan:
    """Build a Plan from EXPLAIN's JSON (the list PostgreSQL returns, its first element, or its text)."""
    import json

    if isinstance(document, str):
        document = json.loads(document)
    if isinstance(document, list):
        document = document[0] if document else {}
    if not isinstance(document, dict) or "Plan" not in document:
        raise DatabaseError("EXPLAIN returned no plan",
                            "run the statement with EXPLAIN (FORMAT JSON) yourself to see why")
    counter = iter(range(1_000_000))
    root = _node(document["Plan"], counter)
    plan = Plan(
        root=root,
        analyzed="Actual Loops" in document["Plan"],
        planning_ms=document.get("Planning Time"),
        execution_ms=document.get("Execution Time"),
        settings={k: str(v) for k, v in (document.get("Settings") or {}).items()},
    )
    _derive(plan)
    return plan


def _derive(plan: Plan) -> None:
    """Fill inclusive/exclusive time (or cost), shares and the hot path."""
    nodes = plan.nodes()
    _inclusive(plan.root, processes=1)
    for node in nodes:
        node.exclusive_cost = max(node.total_cost - sum(c.total_cost for c in node.children), 0.0)
        if node.inclusive_ms is not None:
            kids = sum(c.inclusive_ms or 0.0 for c in node.children if c.parent_relationship != "InitPlan")
            node.exclusive_ms = max(node.inclusive_ms - kids, 0.0)
    use_time = plan.analyzed and any(n.exclusive_ms for n in nodes)
    total = sum((n.exclusive_ms or 0.0) if use_time else n.exclusive_cost for n in nodes) or 1.0
    for node in nodes:
        node.share = ((node.exclusive_ms or 0.0) if use_time else node.exclusive_cost) / total
    node = plan.root
    while True:
        node.hot = True
        if not node.children:
            break
        node = max(node.children, key=lambda c: (c.inclusive_ms or 0.0) if use_time else c.total_cost)


def _inclusive(node: PlanNode, processes: int) -> None:
    """Time over all loops. Below a Gather, each worker's run is a loop and they run side by side, so the loops are
    divided by the number of processes to get wall-clock time rather than the sum over workers."""
    if node.actual_total_ms is not None and node.actual_loops is not None:
        node.inclusive_ms = node.actual_total_ms * max(node.actual_loops / processes, 1.0)
    if node.node_type in ("Gather", "Gather Merge"):
        processes = (node.workers_launched or 0) + 1
    for child in node.children:
        _inclusive(child, processes)
