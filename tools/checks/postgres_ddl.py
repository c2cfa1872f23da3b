"""The CREATE INDEX a check's fix writes, from the facts the checkup read: the partition tree (check_tables'
parent_oid) feeds tools/index_ddl, so a fix on a partitioned table is the ON ONLY + CONCURRENTLY per partition +
ATTACH PARTITION sequence PostgreSQL accepts, never a CONCURRENTLY it refuses."""

from __future__ import annotations

from collections import defaultdict

from dbsage.tools.checks.model import Facts
from dbsage.tools.index_ddl import IndexDDL, Partitions, Relation, create_index


def relations(facts: Facts) -> dict[int, Relation]:
    return {t["oid"]: Relation(t["schema"], t["name"], partitioned=t["relkind"] == "p", foreign=t["relkind"] == "f")
            for t in facts.get("tables", [])}


def partition_tree(facts: Facts) -> Partitions | None:
    """(schema, name) → direct partitions; None when the tables fact (or its parent column) could not be read."""
    tables = facts.get("tables")
    if tables is None or any("parent_oid" not in t for t in tables[:1]):
        return None
    by_oid = relations(facts)
    tree: dict[tuple[str, str], list[Relation]] = defaultdict(list)
    for t in sorted(tables, key=lambda t: (t["schema"], t["name"])):
        parent = by_oid.get(t.get("parent_oid") or 0)
        if parent is not None:
            tree[(parent.schema, parent.name)].append(by_oid[t["oid"]])
    return dict(tree)


def index_fix(facts: Facts, schema: str, table: str, name: str, spec: str, unique: bool = False) -> IndexDDL:
    """Up/down for an index on schema.table, partition-aware when the table is partitioned."""
    relation = next((r for r in relations(facts).values() if (r.schema, r.name) == (schema, table)),
                    Relation(schema, table))
    return create_index(name, relation, spec, unique=unique, partitions=partition_tree(facts), if_not_exists=False)
