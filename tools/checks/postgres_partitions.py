"""Partition checks: a partition that lacks an index or a foreign key most of its siblings have (created by hand
on each partition, then forgotten on the newest one — its queries scan, its rows go unchecked), and a default
partition that is filling up (rows there belong to no partition; adding the partition they belong to must first
move them out, and scans every row of the default partition under a lock).

Facts: `partitions` (tools/engines/postgres/sql/check_partitions.sql), one row per partition with name-independent
signatures of its indexes and foreign keys. Siblings are the partitions of one parent; only leaf partitions are
compared (a sub-partitioned partition holds no index or data of its own).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from dbsage.tools.checks.model import Facts, Finding, Thresholds
from dbsage.tools.checks.postgres_schema import qualified
from dbsage.tools.index_ddl import fit_name

DEFAULT_SHARE_MEDIUM = 0.05  # a default partition holding this share of the rows is "filling up"
DEFAULT_BYTES_MEDIUM = 1024**3
MIN_SIBLINGS = 3  # "most siblings have it" needs at least this many leaf partitions to mean anything


def _by_parent(facts: Facts) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in facts.get("partitions", []):
        groups[qualified(row["parent_schema"], row["parent_name"])].append(row)
    return groups


def _missing(leaves: list[dict[str, Any]], field: str) -> list[tuple[str, list[dict[str, Any]], int]]:
    """(signature, partitions without it, how many have it) for what more than half the leaves carry."""
    counts: dict[str, int] = defaultdict(int)
    for leaf in leaves:
        for signature in set(leaf[field] or ()):
            counts[signature] += 1
    found = []
    for signature, have in sorted(counts.items()):
        lacking = [leaf for leaf in leaves if signature not in (leaf[field] or ())]
        if lacking and have >= 2 and have * 2 > len(leaves):
            found.append((signature, lacking, have))
    return found


def partition_missing_sibling_objects(facts: Facts, limits: Thresholds) -> list[Finding]:
    found = []
    for parent, rows in _by_parent(facts).items():
        leaves = [r for r in rows if r["relkind"] == "r"]
        if len(leaves) < MIN_SIBLINGS:
            continue
        for signature, lacking, have in _missing(leaves, "indexes"):
            names = [qualified(r["schema"], r["name"]) for r in lacking]
            # The signature is "CREATE [UNIQUE] INDEX ON USING …": a partition is a plain table, so CONCURRENTLY
            # works on it, and without a name PostgreSQL picks a free one.
            fix = "\n".join(signature.replace(" INDEX ON ", f" INDEX CONCURRENTLY ON {name} ", 1) + ";"
                            for name in names)
            found.append(Finding(
                id="schema.partition_missing_index", family="schema", severity="medium",
                object=names[0] if len(names) == 1 else parent,
                title=f"{', '.join(names)} {'lacks' if len(names) == 1 else 'lack'} the index "
                      f"{signature.split(' USING ', 1)[-1]} that {have} of {len(leaves)} partitions of {parent} have",
                evidence={"parent": parent, "index": signature.replace(" INDEX ON ", " INDEX ON <partition> ", 1),
                          "partitions_with_it": have, "partitions": len(leaves), "missing_on": names,
                          "rows": sum(r["reltuples"] or 0 for r in lacking)},
                fix=fix,
            ))
        for definition, lacking, have in _missing(leaves, "foreign_keys"):
            names = [qualified(r["schema"], r["name"]) for r in lacking]
            fixes = []
            for row, name in zip(lacking, names, strict=True):
                constraint = fit_name(f"{row['name']}_{_columns_word(definition)}_fkey")
                fixes.append(f"ALTER TABLE {name} ADD CONSTRAINT {constraint} {definition} NOT VALID;\n"
                             f"ALTER TABLE {name} VALIDATE CONSTRAINT {constraint};")
            found.append(Finding(
                id="schema.partition_missing_foreign_key", family="schema", severity="medium",
                object=names[0] if len(names) == 1 else parent,
                title=f"{', '.join(names)} {'lacks' if len(names) == 1 else 'lack'} a foreign key {have} of "
                      f"{len(leaves)} partitions of {parent} have: {definition}",
                evidence={"parent": parent, "foreign_key": definition, "partitions_with_it": have,
                          "partitions": len(leaves), "missing_on": names},
                # NOT VALID takes a brief lock; VALIDATE then checks the rows without blocking writes.
                fix="\n".join(fixes),
            ))
    return found


def _columns_word(definition: str) -> str:
    inside = definition.split("(", 1)[1].split(")", 1)[0] if "(" in definition else "ref"
    return "_".join(part.strip().strip('"') for part in inside.split(","))


def default_partition_filling(facts: Facts, limits: Thresholds) -> list[Finding]:
    found = []
    for parent, rows in _by_parent(facts).items():
        total_rows = sum(r["reltuples"] or 0 for r in rows)
        for row in rows:
            if not row["is_default"] or not row["reltuples"]:
                continue
            share = row["reltuples"] / total_rows if total_rows else 0.0
            big = share >= DEFAULT_SHARE_MEDIUM or (row["total_bytes"] or 0) >= DEFAULT_BYTES_MEDIUM
            name = qualified(row["schema"], row["name"])
            found.append(Finding(
                id="schema.default_partition_filling", family="schema", severity="medium" if big else "low",
                object=name,
                title=f"default partition {name} holds {share:.0%} of {parent}'s rows (≈ {row['reltuples']:,})",
                evidence={"parent": parent, "partition_key": row["partition_key"], "rows": row["reltuples"],
                          "share_of_rows": round(share, 4), "bytes": row["total_bytes"],
                          "rows_are_estimates": True},
                fix=(f"-- rows in {name} match no partition of {parent} ({row['partition_key']}). Find which:\n"
                     f"--   SELECT <partition key columns>, count(*) FROM {name} GROUP BY 1 ORDER BY 1;\n"
                     "-- then, in one transaction: DETACH the default partition, CREATE the partitions those rows "
                     "belong to, move the rows (INSERT INTO the parent SELECT … FROM the detached table; DELETE "
                     "them there), ATTACH it back as DEFAULT. Creating a partition while the default holds its "
                     "rows fails, and scans the whole default partition under a lock."),
            ))
    return found


RULES = [partition_missing_sibling_objects, default_partition_filling]
