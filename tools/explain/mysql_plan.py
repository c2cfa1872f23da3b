"""MySQL/MariaDB `EXPLAIN FORMAT=JSON` (and MariaDB `ANALYZE FORMAT=JSON`) → a tree of MySQL plan nodes.

The two servers write different JSON for the same ideas, and neither writes a tree of operators the way PostgreSQL
does: a query block holds a `nested_loop` list of table accesses in join order, wrapped by `filesort`,
`temporary_table` (MariaDB) or `ordering_operation` / `grouping_operation` with `using_filesort` /
`using_temporary_table` flags (MySQL). This module reads both into one MySQLNode tree with the figures the insight
rules need — access type, key, used key parts, rows examined, filtered share, the attached condition, and with
ANALYZE the measured rows, loops and time — then `to_plan` turns it into the engine-neutral Plan the front ends
render. Pure functions: no driver; tests feed them documents captured from a real server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, Field

from dbsage.tools.errors import DatabaseError
from dbsage.tools.explain.plan import Plan, PlanNode

ACCESS_LABELS = {
    "ALL": "Full Table Scan",
    "index": "Full Index Scan",
    "range": "Index Range Scan",
    "ref": "Index Lookup",
    "eq_ref": "Unique Index Lookup",
    "const": "Single Row (constant)",
    "system": "Single Row (system)",
    "ref_or_null": "Index Lookup (or NULL)",
    "index_merge": "Index Merge",
    "fulltext": "Fulltext Index Search",
    "unique_subquery": "Unique Subquery Lookup",
    "index_subquery": "Index Subquery Lookup",
    "hash_ALL": "Hash Join Full Scan",
    "hash_index": "Hash Join Index Scan",
    "hash_range": "Hash Join Range Scan",
}
FULL_SCANS = {"ALL", "hash_ALL"}


class MySQLNode(BaseModel):
    """One element of a MySQL plan: a table access, or an operation over its children (sort, temporary table,
    join buffer, union, materialized subquery)."""

    id: int = 0
    kind: str = Field(description="table, query_block, nested_loop, filesort, temporary_table, join_buffer, union, "
                                  "materialized, subqueries, grouping, ordering, duplicates_removal")
    table: str | None = Field(default=None, description="the name the plan shows: the alias when the query has one")
    access_type: str | None = None
    key: str | None = None
    possible_keys: list[str] = Field(default_factory=list)
    used_key_parts: list[str] = Field(default_factory=list)
    key_length: str | None = None
    ref: list[str] = Field(default_factory=list)
    rows: float | None = Field(default=None, description="rows the optimizer expects to examine per loop")
    filtered: float | None = Field(default=None, description="percent of examined rows expected to pass (0-100)")
    condition: str | None = Field(default=None, description="attached_condition: evaluated row by row")
    using_index: bool = False
    using_filesort: bool = False
    using_temporary: bool = False
    join_buffer: str | None = Field(default=None, description="BNL/BNLH/BKA or MySQL's 'hash join'")
    sort_key: str | None = None
    limit: int | None = None
    cost: float | None = Field(default=None, description="MySQL's cost_info (MariaDB 10.x gives none)")
    select_id: int | None = None
    planning_ms: float | None = Field(default=None, description="query_optimization time (MariaDB ANALYZE)")
    # ANALYZE (MariaDB)
    r_loops: float | None = None
    r_rows: float | None = Field(default=None, description="rows examined per loop, measured")
    r_filtered: float | None = Field(default=None, description="percent of examined rows that passed, measured")
    r_time_ms: float | None = Field(default=None, description="time over all loops, measured")
    children: list[MySQLNode] = Field(default_factory=list)

    def walk(self) -> Iterator[MySQLNode]:
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def analyzed(self) -> bool:
        return self.r_loops is not None

    @property
    def examined(self) -> float | None:
        """Rows read over all loops: measured with ANALYZE, else the optimizer's estimate per loop."""
        if self.r_rows is not None:
            return self.r_rows * max(self.r_loops or 1.0, 1.0)
        return self.rows

    @property
    def returned(self) -> float | None:
        """Rows that passed the attached condition over all loops (measured, else estimated)."""
        examined = self.examined
        share = self.r_filtered if self.r_filtered is not None else self.filtered
        if examined is None:
            return None
        return examined * (share if share is not None else 100.0) / 100.0

    @property
    def label(self) -> str:
        if self.kind == "table":
            text = ACCESS_LABELS.get(self.access_type or "", self.access_type or "Table Access")
            if self.key:
                parts = f" ({', '.join(self.used_key_parts)})" if self.used_key_parts else ""
                text += f" using {self.key}{parts}"
            text += f" on {self.table}"
            if self.join_buffer:
                text += f" with join buffer ({self.join_buffer})"
            return text
        labels = {"filesort": "Filesort", "temporary_table": "Temporary Table", "join_buffer": "Join Buffer",
                  "union": "Union", "materialized": "Materialize", "subqueries": "Subqueries",
                  "nested_loop": "Nested Loop", "grouping": "Group", "ordering": "Order",
                  "duplicates_removal": "Remove Duplicates"}
        if self.kind == "query_block":
            return f"Query Block #{self.select_id}" if self.select_id else "Query Block"
        text = labels.get(self.kind, self.kind)
        if self.kind == "filesort" and self.sort_key:
            text += f" by {self.sort_key}"
        if self.using_filesort and self.kind != "filesort":
            text += " (using filesort)"
        if self.using_temporary and self.kind != "temporary_table":
            text += " (using temporary)"
        return text


def _number(value: Any) -> float | None:
    """MySQL writes some numbers as strings ("10.00"); MariaDB as numbers."""
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _table(raw: dict[str, Any]) -> MySQLNode:
    node = MySQLNode(
        kind="table",
        table=raw.get("table_name"),
        access_type=raw.get("access_type"),
        key=raw.get("key"),
        possible_keys=list(raw.get("possible_keys") or []),
        used_key_parts=list(raw.get("used_key_parts") or []),
        key_length=raw.get("key_length"),
        ref=[str(r) for r in raw.get("ref") or []],
        # MariaDB: rows; MySQL: rows_examined_per_scan
        rows=_number(raw.get("rows", raw.get("rows_examined_per_scan"))),
        filtered=_number(raw.get("filtered")),
        condition=raw.get("attached_condition"),
        using_index=bool(raw.get("using_index")),
        join_buffer=raw.get("using_join_buffer"),  # MySQL: "Block Nested Loop" / "hash join"
        cost=_number((raw.get("cost_info") or {}).get("prefix_cost")),
        r_loops=_number(raw.get("r_loops")),
        r_rows=_number(raw.get("r_rows")),
        r_filtered=_number(raw.get("r_filtered")),
        r_time_ms=_sum_time(raw),
    )
    for key in ("materialized", "materialized_from_subquery"):
        if isinstance(raw.get(key), dict):
            inner = MySQLNode(kind="materialized")
            _read_into(raw[key], inner)
            node.children.append(inner)
    for key in ("attached_subqueries", "subqueries"):
        _subqueries(raw.get(key), node)
    return node


def _sum_time(raw: dict[str, Any]) -> float | None:
    parts = [_number(raw.get(k)) for k in ("r_table_time_ms", "r_other_time_ms", "r_total_time_ms")]
    known = [p for p in parts if p is not None]
    return sum(known) if known else None


def _subqueries(raw: Any, parent: MySQLNode) -> None:
    if not isinstance(raw, list) or not raw:
        return
    holder = MySQLNode(kind="subqueries")
    for item in raw:
        if isinstance(item, dict):
            _read_into(item, holder)
    parent.children.append(holder)


_WRAPPERS = {"filesort": "filesort", "temporary_table": "temporary_table", "ordering_operation": "ordering",
             "grouping_operation": "grouping", "duplicates_removal": "duplicates_removal"}


def _read_into(raw: dict[str, Any], parent: MySQLNode) -> None:
    """Read the plan elements of one JSON object (in document order) as children of `parent`."""
    for key, value in raw.items():
        if key == "query_block" and isinstance(value, dict):
            block = MySQLNode(kind="query_block", select_id=value.get("select_id"),
                              cost=_number((value.get("cost_info") or {}).get("query_cost")),
                              r_loops=_number(value.get("r_loops")), r_time_ms=_number(value.get("r_total_time_ms")))
            _read_into(value, block)
            parent.children.append(block)
        elif key == "table" and isinstance(value, dict):
            parent.children.append(_table(value))
        elif key == "nested_loop" and isinstance(value, list):
            loop = MySQLNode(kind="nested_loop")
            for item in value:
                if isinstance(item, dict):
                    _read_into(item, loop)
            if loop.children:  # a single table needs no loop around it
                parent.children.append(loop if len(loop.children) > 1 else loop.children[0])
        elif key == "block-nl-join" and isinstance(value, dict):
            parent.children.append(_join_buffer(value))
        elif key == "read_sorted_file" and isinstance(value, dict):
            _read_into(value, parent)
        elif key in _WRAPPERS and isinstance(value, dict):
            parent.children.append(_wrapper(_WRAPPERS[key], value))
        elif key == "union_result" and isinstance(value, dict):
            union = MySQLNode(kind="union", table=value.get("table_name"))
            for spec in value.get("query_specifications") or []:
                if isinstance(spec, dict):
                    _read_into(spec, union)
            parent.children.append(union)
        elif key in ("subqueries", "attached_subqueries", "optimized_away_subqueries"):
            _subqueries(value, parent)
        elif key == "expression_cache" and isinstance(value, dict):
            _read_into(value, parent)


def _wrapper(kind: str, raw: dict[str, Any]) -> MySQLNode:
    node = MySQLNode(kind=kind, sort_key=raw.get("sort_key"), limit=raw.get("r_limit"),
                     using_filesort=bool(raw.get("using_filesort")) or kind == "filesort",
                     using_temporary=bool(raw.get("using_temporary_table")) or kind == "temporary_table",
                     r_loops=_number(raw.get("r_loops")), r_time_ms=_number(raw.get("r_total_time_ms")))
    _read_into(raw, node)
    return node


def _join_buffer(raw: dict[str, Any]) -> MySQLNode:
    """MariaDB's block-nl-join: the inner table is read into a join buffer and matched by `attached_condition`."""
    inner = _table(raw["table"]) if isinstance(raw.get("table"), dict) else MySQLNode(kind="table")
    inner.join_buffer = raw.get("join_type") or "BNL"
    if raw.get("attached_condition"):
        inner.condition = raw["attached_condition"]
    if raw.get("r_filtered") is not None:
        # the table's own r_filtered is before the join condition; the block's is after it
        inner.r_filtered = _number(raw.get("r_filtered"))
    buffer_ms = [_number(raw.get(k)) for k in ("r_unpack_time_ms", "r_other_time_ms")]
    if inner.r_time_ms is not None and any(t is not None for t in buffer_ms):
        inner.r_time_ms += sum(t for t in buffer_ms if t is not None)  # matching rows in the buffer is its work
    if raw.get("r_effective_rows") is not None and inner.r_rows is not None:
        inner.r_rows = _number(raw["r_effective_rows"])
        inner.r_loops = _number(raw.get("r_loops")) or inner.r_loops
    return inner


def parse_document(document: Any) -> MySQLNode:
    """The MySQLNode tree of one EXPLAIN/ANALYZE FORMAT=JSON document (a dict or its text); ids in pre-order."""
    if isinstance(document, (str, bytes)):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            raise DatabaseError("EXPLAIN did not return JSON",
                                "run EXPLAIN FORMAT=JSON on the statement yourself to see why") from None
    if not isinstance(document, dict) or "query_block" not in document:
        raise DatabaseError("EXPLAIN returned no plan", "run EXPLAIN FORMAT=JSON on the statement yourself")
    holder = MySQLNode(kind="plan")
    _read_into({"query_block": document["query_block"]}, holder)
    root = holder.children[0]
    root.planning_ms = _number((document.get("query_optimization") or {}).get("r_total_time_ms"))
    for number, node in enumerate(root.walk()):
        node.id = number
    return root


def table_accesses(root: MySQLNode) -> list[MySQLNode]:
    """Every table access in plan order (a join's order is the order of its tables)."""
    return [n for n in root.walk() if n.kind == "table" and n.table]


def analyzed(root: MySQLNode) -> bool:
    return any(n.r_loops is not None for n in root.walk())


def estimated_examined(root: MySQLNode) -> dict[int, float]:
    """Rows each table access is expected to examine over the whole statement: its rows per loop times the rows
    the tables before it in the same nested loop pass on (MySQL's own join-cost arithmetic, without costs)."""
    found: dict[int, float] = {}

    def visit(node: MySQLNode, outer: float) -> None:
        if node.kind == "nested_loop":
            for child in node.children:
                visit(child, outer)
                rows = _passed_on(child)
                outer *= rows if rows is not None else 1.0
            return
        if node.kind == "table":
            found[node.id] = (node.rows or 0.0) * max(outer, 1.0)
        for child in node.children:
            visit(child, 1.0)

    visit(root, 1.0)
    return found


def _passed_on(node: MySQLNode) -> float | None:
    """Rows a join step passes to the next table per incoming row (estimate)."""
    tables = [n for n in node.walk() if n.kind == "table"]
    if not tables:
        return None
    last = tables[0]
    return (last.rows or 1.0) * (last.filtered if last.filtered is not None else 100.0) / 100.0


def to_plan(root: MySQLNode, aliases: dict[str, str] | None = None) -> Plan:
    """The engine-neutral Plan of a MySQL plan tree. MariaDB gives no costs, so a node's "cost" is the rows it
    examines (estimated); with ANALYZE the shares come from measured time, as on PostgreSQL."""
    from dbsage.tools.explain.plan import _derive  # the shared derivation of shares and the hot path

    aliases = {k.lower(): v for k, v in (aliases or {}).items()}
    examined = estimated_examined(root)
    plan_root = _plan_node(root, aliases, examined)
    timed = root.kind == "query_block" and root.r_time_ms is not None and root.planning_ms is not None
    plan = Plan(root=plan_root, analyzed=analyzed(root), planning_ms=root.planning_ms if timed else None,
                execution_ms=root.r_time_ms if timed else None)
    _derive(plan)
    return plan


def _plan_node(node: MySQLNode, aliases: dict[str, str], examined: dict[int, float]) -> PlanNode:
    children = [_plan_node(c, aliases, examined) for c in node.children]
    own = examined.get(node.id, 0.0)
    loops = int(node.r_loops) if node.r_loops is not None else None
    time_ms = node.r_time_ms
    if time_ms is None and any(c.inclusive_ms is not None or c.actual_total_ms is not None for c in children):
        time_ms = sum((c.actual_total_ms or 0.0) * (c.actual_loops or 1) for c in children)
        loops = 1
    is_table = node.kind == "table"
    return PlanNode(
        id=node.id,
        node_type=ACCESS_LABELS.get(node.access_type or "", "Table Access") if is_table else
        node.label.split(" (")[0].split(" by ")[0],
        relation=aliases.get((node.table or "").lower(), node.table) if is_table else None,
        alias=node.table if is_table else None,
        index_name=node.key,
        join_type=node.join_buffer,
        total_cost=own + sum(c.total_cost for c in children),
        plan_rows=node.rows or 0.0,
        actual_rows=node.r_rows,
        actual_loops=loops if (node.r_rows is not None or time_ms is not None) else None,
        actual_total_ms=(time_ms / max(loops or 1, 1)) if time_ms is not None else None,
        filter=node.condition,
        index_cond=f"{node.key} ({', '.join(node.used_key_parts)})" if node.key and node.used_key_parts else None,
        sort_key=[node.sort_key] if node.sort_key else [],
        children=children,
    )
