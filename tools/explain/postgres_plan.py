"""PostgreSQL's EXPLAIN (FORMAT JSON[, ANALYZE, BUFFERS]) → the engine-neutral Plan (plan.py), derived figures
included. MySQL's twin is mysql_plan.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dbsage.tools.errors import DatabaseError
from dbsage.tools.explain.plan import Buffers, Plan, PlanNode, _derive

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
    "Workers Launched": "workers_launched", "Parallel Aware": "parallel_aware", "Subplans Removed": "subplans_removed",
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
