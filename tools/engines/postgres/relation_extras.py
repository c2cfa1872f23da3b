"""What a table's listing needs beyond columns, constraints and indexes: partitioning (key, bounds, partitions with
their sizes, the tree's totals on the parent — a partitioned table stores nothing itself, so its own size is 0 B),
triggers, and a view's or materialized view's query. Four catalog queries, however many tables.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from dbsage.tools.engines.postgres.sqlfiles import load as _sql
from dbsage.tools.schema import Partition, Table, Trigger

_EVENTS = ((4, "INSERT"), (16, "UPDATE"), (8, "DELETE"), (32, "TRUNCATE"))


def add_relation_extras(cur: Any, tables: list[Table], oid: int | None) -> list[Table]:
    """Fill partitioning, triggers and view queries into `tables` (rows as dicts: a dict_row cursor); a partitioned
    table's and a partitioned index's size become their partitions' totals."""
    by_name = {(t.schema_name, t.name): t for t in tables}
    cur.execute(_sql("relation_extras"), {"oid": oid})
    for row in cur.fetchall():
        table = by_name.get((row["schema"], row["name"]))
        if table is None:
            continue
        table.partition_key = row["partition_key"]
        table.partition_bound = row["partition_bound"]
        table.definition = row["definition"]
        table.populated = row["populated"]
        if row["relkind"] == "p":
            table.size_bytes = row["tree_size_bytes"] or 0
            table.row_estimate = row["tree_rows"] if row["tree_rows"] is not None else table.row_estimate
    cur.execute(_sql("partitions"), {"oid": oid})
    for row in cur.fetchall():
        parent = by_name.get((row["parent_schema"], row["parent_name"]))
        if parent is not None:
            parent.partitions.append(Partition(name=row["name"], bound=row["bound"], default=row["bound"] == "DEFAULT",
                                               partitioned=row["partitioned"], row_estimate=row["row_estimate"],
                                               size_bytes=row["size_bytes"]))
    cur.execute(_sql("partitioned_index_sizes"), {"oid": oid})
    tree_sizes = {(row["schema"], row["name"]): row["size_bytes"] for row in cur.fetchall()}
    for table in tables:
        for index in table.indexes:
            if index.partitioned and (table.schema_name, index.name) in tree_sizes:
                index.size_bytes = tree_sizes[(table.schema_name, index.name)]
    triggers: dict[tuple[str, str], list[Trigger]] = defaultdict(list)
    cur.execute(_sql("triggers"), {"oid": oid})
    for row in cur.fetchall():
        triggers[(row["schema"], row["table_name"])].append(_trigger(row))
    for key, found in triggers.items():
        if key in by_name:
            by_name[key].triggers = found
    return tables


def _trigger(row: dict[str, Any]) -> Trigger:
    bits = int(row["tgtype"])
    timing = "BEFORE" if bits & 2 else "INSTEAD OF" if bits & 64 else "AFTER"
    return Trigger(name=row["name"], timing=timing, events=[name for bit, name in _EVENTS if bits & bit],
                   level="row" if bits & 1 else "statement", function=row["function"], enabled=row["enabled"],
                   definition=row["definition"])
