"""The plan model, for every engine: one PlanNode per plan node, with derived figures (PostgreSQL fills it in
postgres_plan.py, MySQL in mysql_plan.py; `_derive` is shared).

Derived figures a reader needs and the raw JSON does not give directly:
- `inclusive_ms`: time spent in the node and its children over all loops (actual time per loop × loops);
- `exclusive_ms` / `share`: the node's own part of the total (children subtracted, never below zero);
- `misestimate`: how far the planner's row estimate was from the rows seen (≥ 1, either direction);
- `hot`: the node lies on the path from the root that carries the most time (cost without ANALYZE).
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, Field

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
    subplans_removed: int | None = Field(default=None, description="partitions pruned when the plan ran (Append)")
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
