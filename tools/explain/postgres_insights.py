"""PostgreSQL's plan insights: each rule looks at one node (with its children) and says, in plain words, what is
slow, why, and the fix — SQL or a setting, a draft for a person, never executed by dbsage.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from dbsage.tools.explain.context import ExplainContext
from dbsage.tools.explain.insights import MISESTIMATE, Insight, misestimated
from dbsage.tools.explain.plan import Plan, PlanNode
from dbsage.tools.explain.predicates import join_columns, predicate_columns

BIG_TABLE_ROWS = 10_000  # below this a sequential scan is as good as any index
SELECTIVE = 0.10  # a filter keeping at most this share of rows is worth an index
MANY_LOOPS = 1_000
PARALLEL_ROWS = 100_000


def _insight(node: PlanNode | None, **fields: object) -> Insight:
    return Insight(node_id=node.id if node else None, node=node.label if node else None, **fields)


def qualified(node: PlanNode, context: ExplainContext) -> str:
    facts = context.table(node.relation)
    if facts:
        return facts.name if facts.schema_name == "public" else f"{facts.schema_name}.{facts.name}"
    return f"{node.schema_name}.{node.relation}" if node.schema_name else (node.relation or "?")


def create_index_sql(table: str, columns: list[str]) -> str:
    name = f"{table.rsplit('.', 1)[-1]}_{'_'.join(columns)}_idx"[:63]
    return f"CREATE INDEX CONCURRENTLY {name} ON {table} ({', '.join(columns)});"


def scanned_rows(node: PlanNode, context: ExplainContext) -> float:
    """Rows a scan read before its filter: measured with ANALYZE, else the table's row estimate."""
    if node.actual_rows is not None:
        return (node.actual_rows + (node.rows_removed_by_filter or 0.0)) * (node.actual_loops or 1)
    facts = context.table(node.relation)
    return float(facts.row_estimate) if facts else node.plan_rows


def _kept_share(node: PlanNode, context: ExplainContext) -> float | None:
    if node.actual_rows is not None:
        seen = node.actual_rows + (node.rows_removed_by_filter or 0.0)
        return node.actual_rows / seen if seen else None
    facts = context.table(node.relation)
    return node.plan_rows / facts.row_estimate if facts and facts.row_estimate else None


def seq_scan_selective(node: PlanNode, plan: Plan, context: ExplainContext) -> Insight | None:
    if node.node_type != "Seq Scan" or not node.filter:
        return None
    scanned, kept = scanned_rows(node, context), _kept_share(node, context)
    if scanned < BIG_TABLE_ROWS or kept is None or kept > SELECTIVE:
        return None
    table, predicates = qualified(node, context), predicate_columns(node.filter)
    columns = predicates.index_columns
    if not columns and not predicates.wrapped:
        return None  # nothing an index could serve (e.g. a hashed subplan)
    facts = context.table(node.relation)
    existing = facts is not None and bool(columns) and facts.leads_an_index(columns[0])
    detail = (f"{node.label} reads {scanned:,.0f} rows and keeps {kept:.1%} of them (filter {node.filter}).")
    if existing:
        detail += (f" An index led by {columns[0]} exists but the planner did not use it: check the statistics "
                   "(ANALYZE) and that the filter compares the column without a cast or function.")
    elif columns:
        detail += f" An index on ({', '.join(columns)}) would read only the matching rows."
    else:
        detail += (f" The filter applies a function or cast to {', '.join(predicates.wrapped)}, so a plain index on "
                   "it cannot serve; compare the bare column or index the expression.")
    return _insight(
        node, rule="seq_scan_selective", severity="high" if node.share >= 0.5 else "medium",
        title=f"sequential scan of {table} for a selective filter",
        detail=detail,
        evidence={"rows_scanned": round(scanned), "kept_share": round(kept, 4), "time_share": round(node.share, 3)},
        fix=(f"ANALYZE {table};" if existing else create_index_sql(table, columns)) if columns else None,
    )


def misestimate(node: PlanNode, plan: Plan, context: ExplainContext) -> Insight | None:
    factor = node.misestimate
    if factor is None or not misestimated(node, plan):
        return None
    under = (node.actual_rows or 0.0) > node.plan_rows
    # an underestimate hurts once real rows are many (nested loops over them); an overestimate once the planner
    # priced a big result it never got (hash joins, sequential scans chosen for nothing)
    if (under and (node.actual_rows or 0.0) < 100) or (not under and node.plan_rows < 1_000):
        return None
    if any((c.misestimate or 0) > MISESTIMATE for c in node.children):
        return None  # an estimate error below propagates up: report where it starts
    tables = sorted({qualified(n, context) for n in node.walk() if n.relation})
    direction = "under" if under else "over"
    fix = "; ".join(f"ANALYZE {t}" for t in tables) + ";" if tables else None
    filtered = predicate_columns(node.filter or node.index_cond or node.recheck_cond)
    columns = filtered.index_columns
    if node.relation and len(columns) >= 2:
        table = qualified(node, context)
        fix = (f"ANALYZE {table}; -- if the estimate stays off, the columns are correlated:\n"
               f"CREATE STATISTICS {table.rsplit('.', 1)[-1]}_{'_'.join(columns)}_stats (dependencies, mcv) "
               f"ON {', '.join(columns)} FROM {table}; ANALYZE {table};")
    return _insight(
        node, rule="row_misestimate", severity="high" if factor >= 1000 else "medium",
        title=f"row estimate off by {factor:,.0f}× ({direction}estimate)",
        detail=(f"The planner expected {node.plan_rows:,.0f} rows from {node.label} and got {node.actual_rows:,.0f} "
                f"per loop. Plans above this node were chosen for the wrong row count; stale or too coarse "
                f"statistics are the usual cause."),
        evidence={"estimated_rows": node.plan_rows, "actual_rows": node.actual_rows, "loops": node.actual_loops,
                  "factor": round(factor, 1)},
        fix=fix,
    )


def _work_mem_for(kb: float) -> str:
    mb = max(4, 2 ** math.ceil(math.log2(max(kb * 2 / 1024, 1))))
    return f"{mb}MB"


def spill(node: PlanNode, plan: Plan, context: ExplainContext) -> Insight | None:
    if node.sort_space_type == "Disk" or (node.sort_method or "").startswith("external"):
        used, what = float(node.sort_space_kb or 0), "sort"
    elif node.node_type in ("Hash", "Aggregate") and max(node.hash_batches or 1, node.original_hash_batches or 1) > 1:
        batches = max(node.hash_batches or 1, node.original_hash_batches or 1)
        used = float(node.disk_usage_kb or (node.peak_memory_kb or 0) * batches)
        what = "hash" if node.node_type == "Hash" else "hash aggregate"
    else:
        return None
    setting = _work_mem_for(used)
    return _insight(
        node, rule="spill_to_disk", severity="high" if node.share >= 0.3 else "medium",
        title=f"{what} spills to disk (work_mem too small)",
        detail=(f"{node.label} did not fit in work_mem ({context.settings.get('work_mem', 'current setting')}) and "
                f"wrote about {used / 1024:,.1f} MB to temporary files. More work_mem for this query keeps it in "
                "memory; raise it per session or role, not globally (each sort/hash of each connection may use it)."),
        evidence={"disk_kb": round(used), "batches": node.hash_batches, "sort_method": node.sort_method,
                  "work_mem": context.settings.get("work_mem"),
                  "temp_written_blocks": node.buffers.temp_written if node.buffers else None},
        fix=f"SET work_mem = '{setting}';  -- or ALTER ROLE <app_role> SET work_mem = '{setting}';",
    )


def nested_loop(node: PlanNode, plan: Plan, context: ExplainContext) -> Insight | None:
    if node.node_type != "Nested Loop" or len(node.children) < 2:
        return None
    outer, inner = node.children[0], node.children[1]
    loops = inner.actual_loops if inner.actual_loops is not None else outer.plan_rows
    inner_scan = next((n for n in inner.walk() if n.relation), inner)
    seq_inner = inner_scan.node_type == "Seq Scan"
    inner_share = sum(n.share for n in inner.walk())
    if loops < MANY_LOOPS or not (seq_inner or inner_share >= 0.3):
        return None
    keys = [c for c in join_columns(node.join_filter or inner_scan.filter or inner_scan.index_cond)]
    facts = context.table(inner_scan.relation)
    key = next((k for k in keys if facts and facts.column(k)), keys[0] if keys else None)
    fix = (create_index_sql(qualified(inner_scan, context), [key]) if seq_inner and key and inner_scan.relation
           else "SET enable_nestloop = off;  -- in a test session only, to compare the hash/merge join plan")
    return _insight(
        node, rule="nested_loop_many_iterations", severity="high" if node.share + inner_share >= 0.5 else "medium",
        title=f"nested loop runs its inner side {loops:,.0f} times",
        detail=(f"For each of {loops:,.0f} outer rows, {inner_scan.label} runs again"
                + (" and reads the whole table each time." if seq_inner else ".")
                + " An index on the inner join key, or a hash join when the outer side is large, avoids the repeats;"
                " if the outer row estimate is far off, fix the statistics first."),
        evidence={"inner_loops": round(loops), "outer_estimated_rows": outer.plan_rows,
                  "inner_time_share": round(inner_share, 3)},
        fix=fix,
    )


def lossy_bitmap(node: PlanNode, plan: Plan, context: ExplainContext) -> Insight | None:
    if node.node_type != "Bitmap Heap Scan" or not node.lossy_heap_blocks:
        return None
    return _insight(
        node, rule="lossy_bitmap", severity="medium",
        title="bitmap heap scan went lossy",
        detail=(f"{node.label}'s bitmap did not fit in work_mem: {node.lossy_heap_blocks:,} pages were kept as whole "
                f"pages, so every row on them was rechecked ({node.rows_removed_by_index_recheck or 0:,.0f} rows "
                "thrown away by the recheck). More work_mem keeps the bitmap exact."),
        evidence={"lossy_heap_blocks": node.lossy_heap_blocks, "exact_heap_blocks": node.exact_heap_blocks,
                  "rows_removed_by_recheck": node.rows_removed_by_index_recheck},
        # an exact bitmap costs roughly 64 bytes per heap page (hash entry + page bitmap)
        fix=f"SET work_mem = '{_work_mem_for((node.lossy_heap_blocks + (node.exact_heap_blocks or 0)) * 64 / 1024)}';",
    )


def index_filter_waste(node: PlanNode, plan: Plan, context: ExplainContext) -> Insight | None:
    if node.node_type not in ("Index Scan", "Index Only Scan", "Bitmap Heap Scan") or not node.filter:
        return None
    if node.actual_rows is None or node.rows_removed_by_filter is None or not (node.index_cond or node.recheck_cond):
        return None  # a full index scan (for order) that filters is a sequential scan in disguise, not this rule
    removed = node.rows_removed_by_filter * (node.actual_loops or 1)
    fetched = removed + (node.rows_seen or 0)
    if removed < 1_000 or removed / fetched < 0.5:
        return None
    cond = predicate_columns(node.index_cond or node.recheck_cond)
    filt = predicate_columns(node.filter)
    columns = list(dict.fromkeys(cond.equality + filt.equality + cond.ranges + filt.ranges))
    table = qualified(node, context)
    return _insight(
        node, rule="index_filter_removes_most", severity="high" if node.share >= 0.3 else "medium",
        title=f"index on {table} finds rows that the filter then throws away",
        detail=(f"{node.label} fetched {fetched:,.0f} rows by ({node.index_cond or node.recheck_cond}) and the filter "
                f"{node.filter} removed {removed / fetched:.0%} of them. The index lacks the filtered column or has "
                "it in the wrong place: equality columns first, then the range column."),
        evidence={"rows_fetched": round(fetched), "rows_removed": round(removed),
                  "removed_share": round(removed / fetched, 3)},
        fix=create_index_sql(table, columns) if columns and node.relation else None,
    )


def missing_parallelism(node: PlanNode, plan: Plan, context: ExplainContext) -> Insight | None:
    if node.node_type in ("Gather", "Gather Merge") and node.workers_launched is not None \
            and node.workers_launched < (node.workers_planned or 0):
        return _insight(
            node, rule="parallel_workers_not_launched", severity="medium",
            title=f"{node.workers_planned} parallel workers planned, {node.workers_launched} launched",
            detail="The server ran out of parallel workers when this query started, so it ran with fewer.",
            evidence={"workers_planned": node.workers_planned, "workers_launched": node.workers_launched,
                      "max_parallel_workers": context.settings.get("max_parallel_workers")},
            fix="ALTER SYSTEM SET max_parallel_workers = 8;  -- and max_worker_processes (needs a restart)",
        )
    if node.node_type != "Seq Scan" or context.settings.get("max_parallel_workers_per_gather") != "0":
        return None
    if max((n.share for n in plan.nodes() if n.node_type == "Seq Scan"), default=0.0) > node.share:
        return None  # speak about the biggest scan only
    scanned = scanned_rows(node, context)
    if scanned < PARALLEL_ROWS or any(n.parallel_aware for n in plan.nodes()):
        return None
    return _insight(
        node, rule="missing_parallelism", severity="medium",
        title="large scan runs without parallel workers",
        detail=(f"{node.label} reads {scanned:,.0f} rows in one process because max_parallel_workers_per_gather is 0 "
                "for this session; parallel workers would share the scan."),
        evidence={"rows_scanned": round(scanned), "max_parallel_workers_per_gather": 0,
                  "time_share": round(node.share, 3)},
        fix="SET max_parallel_workers_per_gather = 2;  -- or ALTER DATABASE/ROLE ... SET it",
    )


def partition_pruning_defeated(node: PlanNode, plan: Plan, context: ExplainContext) -> Insight | None:
    """An Append over every partition of one table, whose scans filter on the partition key wrapped in a cast or
    function: PostgreSQL prunes only on the bare key compared with a value, so the wrapper costs every partition."""
    if node.node_type not in ("Append", "Merge Append") or node.subplans_removed:
        return None
    scanned = {child.relation: child for child in node.children if child.relation}
    roots = {facts.partition_root for name in scanned if (facts := context.table(name)) is not None}
    if len(roots) != 1 or None in roots:
        return None
    root = context.table(roots.pop())
    if root is None or not root.partition_key or not root.leaf_partitions or root.leaf_partitions < 2 \
            or len(scanned) < root.leaf_partitions:
        return None
    key = set(root.partition_key)
    for child in scanned.values():
        condition = child.filter or child.index_cond or child.recheck_cond or ""
        wrapped = [c for c in predicate_columns(condition).wrapped if c in key] if condition else []
        if wrapped:
            break
    else:
        return None
    table = root.name if root.schema_name == "public" else f"{root.schema_name}.{root.name}"
    column = wrapped[0]
    return _insight(
        node, rule="partition_pruning_defeated", severity="high" if root.leaf_partitions >= 4 else "medium",
        title=f"all {root.leaf_partitions} partitions of {table} are scanned: a cast or function on the partition "
              f"key {column} defeats pruning",
        detail=(f"{table} is partitioned by {', '.join(root.partition_key)}. PostgreSQL skips partitions only when "
                f"the query compares the bare key with a value (=, <, >, BETWEEN, IN); the condition {condition} "
                f"wraps {column} in a cast or function, so every partition is read. "
                + _range_rewrite(condition, column)),
        evidence={"partitioned_table": table, "partition_key": ", ".join(root.partition_key),
                  "partitions_scanned": len(scanned), "partitions": root.leaf_partitions, "condition": condition},
    )


def _range_rewrite(condition: str, column: str) -> str:
    """How to say the same condition as a range on the bare column, for the wrapper the condition uses."""
    lowered = condition.lower()
    if "date_trunc" in lowered:
        return (f"Write `date_trunc('month', {column}) = M` as `{column} >= M AND {column} < M + interval "
                "'1 month'` (the same for other units).")
    if "extract" in lowered or "date_part" in lowered:
        return (f"Write `extract(year FROM {column}) = Y` as `{column} >= make_date(Y, 1, 1) AND {column} < "
                "make_date(Y + 1, 1, 1)`.")
    if "::" in condition:
        return (f"Write `{column}::date = D` as `{column} >= D AND {column} < D + 1`, and compare with a value "
                f"of {column}'s own type rather than casting the column.")
    return f"Compare {column} itself with a range of values instead of a function of it."


PlanRule = Callable[[PlanNode, Plan, ExplainContext], Insight | None]
PLAN_RULES: list[PlanRule] = [
    seq_scan_selective, misestimate, spill, nested_loop, lossy_bitmap, index_filter_waste, missing_parallelism,
    partition_pruning_defeated,
]


def plan_insights(plan: Plan, context: ExplainContext) -> list[Insight]:
    found = []
    for node in plan.nodes():
        for rule in PLAN_RULES:
            insight = rule(node, plan, context)
            if insight is not None:
                found.append(insight)
    return found
