"""Index checks: invalid, duplicate, redundant (prefix-covered), unused, bloated, and heavy sequential scans."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from dbsage.tools.checks.model import Facts, Finding, Thresholds
from dbsage.tools.checks.postgres_schema import qualified

PAGE = 8192


def _name(index: dict[str, Any]) -> str:
    return qualified(index["schema"], index["name"])


def _drop(index: dict[str, Any]) -> str:
    return f"DROP INDEX CONCURRENTLY {_name(index)};"


def invalid(facts: Facts, limits: Thresholds) -> list[Finding]:
    return [Finding(
        id="indexes.invalid", family="indexes", severity="high", object=_name(i),
        title=f"index {_name(i)} is INVALID (a failed CREATE INDEX CONCURRENTLY or REINDEX)",
        evidence={"valid": False, "bytes": i["bytes"], "definition": i["definition"]},
        fix=f"DROP INDEX CONCURRENTLY {_name(i)};\n"
            + i["definition"].replace("CREATE INDEX", "CREATE INDEX CONCURRENTLY", 1)
            .replace("CREATE UNIQUE INDEX", "CREATE UNIQUE INDEX CONCURRENTLY", 1) + ";",
    ) for i in facts.get("indexes", []) if not i["is_valid"]]


def _signature(i: dict[str, Any]) -> tuple:
    return (i["table_oid"], i["method"], i["indkey"], i["indclass"], i["indcollation"], i["expressions"],
            i["predicate"])


def _keeper(group: list[dict[str, Any]]) -> dict[str, Any]:
    """Of identical indexes keep the one a constraint needs, else the one queries use most, else the first name."""
    return sorted(group, key=lambda i: (not i["backs_constraint"], not i["is_unique"], -(i["scans"] or 0),
                                        i["name"]))[0]


def duplicate_drops(facts: Facts) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(index to drop, index it duplicates) for every exact duplicate among valid indexes."""
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for index in facts.get("indexes", []):
        if index["is_valid"]:
            groups[_signature(index)].append(index)
    pairs = []
    for group in groups.values():
        keep = _keeper(group)
        pairs += [(i, keep) for i in group if i is not keep and not i["backs_constraint"]]
    return pairs


def duplicate(facts: Facts, limits: Thresholds) -> list[Finding]:
    return [Finding(
        id="indexes.duplicate", family="indexes", severity="medium", object=_name(drop),
        title=f"{_name(drop)} duplicates {_name(keep)} (same columns, same way)",
        evidence={"duplicate_of": _name(keep), "columns": drop["columns"], "bytes": drop["bytes"],
                  "scans": drop["scans"], "kept_index_scans": keep["scans"]},
        fix=_drop(drop),
    ) for drop, keep in duplicate_drops(facts)]


def _prefix_of(short: dict[str, Any], long: dict[str, Any]) -> bool:
    if short["table_oid"] != long["table_oid"] or short["method"] != "btree" or long["method"] != "btree":
        return False
    if short["expressions"] or long["expressions"] or short["predicate"] or long["predicate"]:
        return False
    keys_s, keys_l = short["indkey"].split(), long["indkey"].split()[: long["key_count"]]
    cls_s, cls_l = short["indclass"].split(), long["indclass"].split()
    n = short["key_count"]
    return n < len(keys_l) and keys_s[:n] == keys_l[:n] and cls_s[:n] == cls_l[:n]


def redundant_drops(facts: Facts) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(index to drop, longer index whose leading columns cover it): never a unique or constraint index."""
    by_table: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for index in facts.get("indexes", []):
        if index["is_valid"]:
            by_table[index["table_oid"]].append(index)
    pairs = []
    for siblings in by_table.values():
        for short in siblings:
            if short["is_unique"] or short["backs_constraint"]:
                continue
            cover = next((long for long in siblings if long is not short and _prefix_of(short, long)), None)
            if cover is not None:
                pairs.append((short, cover))
    return pairs


def redundant(facts: Facts, limits: Thresholds) -> list[Finding]:
    return [Finding(
        id="indexes.redundant", family="indexes", severity="low", object=_name(drop),
        title=f"{_name(drop)} ({', '.join(drop['columns'])}) is covered by {_name(cover)} "
              f"({', '.join(cover['columns'])})",
        evidence={"covered_by": _name(cover), "bytes": drop["bytes"], "scans": drop["scans"]},
        fix=_drop(drop),
    ) for drop, cover in redundant_drops(facts)]


def _stats_since(facts: Facts) -> str | None:
    current = next((d for d in facts.get("database", []) if d["current"]), None)
    if current is None:
        return None
    return str(current["stats_reset"] or current["started"])


def unused(facts: Facts, limits: Thresholds) -> list[Finding]:
    reported = {id(d) for d, _ in duplicate_drops(facts) + redundant_drops(facts)}  # report each index once
    builds: dict[int, int] = defaultdict(int)
    for i in facts.get("indexes", []):
        builds[i["table_oid"]] += 1
    found = []
    for i in facts.get("indexes", []):
        if i["scans"] != 0 or i["is_unique"] or i["backs_constraint"] or not i["is_valid"] or id(i) in reported:
            continue
        # Evidence that the table is in use: writes, or more scans than its index builds made (each CREATE INDEX
        # reads the table once). A table nobody touched since the reset says nothing about its indexes.
        if not (i["table_writes"] or (i["table_reads"] or 0) > builds[i["table_oid"]]):
            continue
        found.append(Finding(
            id="indexes.unused", family="indexes", severity="medium" if i["bytes"] >= 100 * 1024**2 else "low",
            object=_name(i),
            title=f"index {_name(i)} has not been used since the statistics were reset",
            evidence={"scans": 0, "bytes": i["bytes"], "stats_since": _stats_since(facts),
                      "table_reads": i["table_reads"], "table_writes": i["table_writes"], "columns": i["columns"]},
            fix=_drop(i) + "  -- check replicas' usage too: statistics are per server",
        ))
    return found


def _expected_index_pages(i: dict[str, Any]) -> int | None:
    if i["method"] != "btree" or i["key_width"] is None or i["plain_columns"] != len(i["indkey"].split()):
        return None
    tuple_bytes = 8 * math.ceil((8 + float(i["key_width"])) / 8) + 4  # header + key, aligned; line pointer
    per_page = max(int((PAGE - 24 - 16) * 0.9 // tuple_bytes), 1)  # leaf pages are built 90 % full
    return math.ceil(i["reltuples"] / per_page) + 1  # + the metapage


def bloated(facts: Facts, limits: Thresholds) -> list[Finding]:
    found = []
    for i in facts.get("indexes", []):
        expected = _expected_index_pages(i) if i["is_valid"] and i["reltuples"] else None
        if expected is None or not i["pages"]:
            continue
        wasted = (i["pages"] - expected) * PAGE
        share = wasted / (i["pages"] * PAGE)
        if share < limits.bloat_share or wasted < limits.bloat_min_bytes:
            continue
        found.append(Finding(
            id="indexes.bloated", family="indexes", severity="medium", object=_name(i),
            title=f"index {_name(i)} is about {share:.0%} empty space",
            evidence={"bytes": i["bytes"], "estimated_needed_bytes": expected * PAGE, "wasted_bytes": wasted,
                      "rows": i["reltuples"]},
            fix=f"REINDEX INDEX CONCURRENTLY {_name(i)};",
        ))
    return found


def heavy_seq_scans(facts: Facts, limits: Thresholds) -> list[Finding]:
    found = []
    for t in facts.get("tables", []):
        seq, idx = t["seq_scan"] or 0, t["idx_scan"] or 0
        if t["reltuples"] < limits.heavy_seq_scan_rows or seq < limits.min_seq_scans:
            continue
        per_scan = (t["seq_tup_read"] or 0) / seq
        coverage = idx / (seq + idx)
        if per_scan < limits.heavy_seq_scan_rows or coverage >= limits.index_coverage:
            continue
        table = qualified(t["schema"], t["name"])
        pattern = t["name"].replace("'", "''")  # a string literal in the fix: a quote in the name stays inside it
        found.append(Finding(
            id="indexes.heavy_seq_scans", family="indexes", severity="medium", object=table,
            title=f"{table} is read mostly by sequential scans ({seq:,} scans of ~{per_scan:,.0f} rows)",
            evidence={"seq_scans": seq, "rows_per_seq_scan": round(per_scan), "index_scans": idx,
                      "index_share": round(coverage, 4), "rows": t["reltuples"]},
            fix=f"-- find the statements, then index their filters (dbsage advise proposes the indexes):\n"
                f"SELECT query, calls, mean_exec_time FROM pg_stat_statements WHERE query ILIKE '%{pattern}%' "
                "ORDER BY total_exec_time DESC LIMIT 10;",
        ))
    return found


RULES = [invalid, duplicate, redundant, unused, bloated, heavy_seq_scans]
