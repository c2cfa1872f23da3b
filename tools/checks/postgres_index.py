"""Index checks: invalid, duplicate, redundant (prefix-covered), unused, bloated, and heavy sequential scans."""

from __future__ import annotations

import math
from typing import Any

from dbsage.tools.checks.model import Facts, Finding, Thresholds
from dbsage.tools.checks.postgres_ddl import partition_tree, relations
from dbsage.tools.checks.postgres_drop_safety import describe_age, drop_plan, stats_age
from dbsage.tools.checks.postgres_schema import qualified
from dbsage.tools.index_ddl import Relation, complete_partitioned_index, spec_of_definition

PAGE = 8192


def _name(index: dict[str, Any]) -> str:
    return qualified(index["schema"], index["name"])


def _drop(index: dict[str, Any]) -> str:
    return f"DROP INDEX CONCURRENTLY {_name(index)};"


def invalid(facts: Facts, limits: Thresholds) -> list[Finding]:
    return [Finding(
        id="indexes.invalid", family="indexes", severity="high", object=_name(i),
        title=f"index {_name(i)} is INVALID " + ("(a partitioned index some partitions have no index attached to)"
                                                 if i.get("partitioned_index") else
                                                 "(a failed CREATE INDEX CONCURRENTLY or REINDEX)"),
        evidence={"valid": False, "bytes": i["bytes"], "definition": i["definition"]},
        fix=_invalid_fix(i, facts),
    ) for i in facts.get("indexes", []) if not i["is_valid"]]


def _invalid_fix(i: dict[str, Any], facts: Facts) -> str:
    if i.get("partitioned_index"):
        # DROP/CREATE … CONCURRENTLY are refused on a partitioned index: build and attach what is missing instead.
        spec, tree = spec_of_definition(i["definition"]), partition_tree(facts)
        if spec is None or tree is None:
            return f"-- attach an index of every partition of {qualified(i['schema'], i['table_name'])} to {_name(i)}"
        by_oid = relations(facts)
        attached = {(by_oid[c["table_oid"]].schema, by_oid[c["table_oid"]].name) for c in facts.get("indexes", [])
                    if c.get("parent_index_oid") == i["oid"] and c["table_oid"] in by_oid}
        table = Relation(i["schema"], i["table_name"], partitioned=True)
        steps = complete_partitioned_index(i["name"], table, spec, tree, attached, unique=i["is_unique"])
        return "\n".join(steps) or (f"-- every partition has an index attached to {_name(i)}; one of them is itself "
                                     "INVALID (its own finding): rebuild that one and this index turns valid")
    return (f"DROP INDEX CONCURRENTLY {_name(i)};\n"
            + i["definition"].replace("CREATE INDEX", "CREATE INDEX CONCURRENTLY", 1)
            .replace("CREATE UNIQUE INDEX", "CREATE UNIQUE INDEX CONCURRENTLY", 1) + ";")


def duplicate(facts: Facts, limits: Thresholds) -> list[Finding]:
    return [Finding(
        id="indexes.duplicate", family="indexes", severity="medium", object=_name(d.index),
        title=f"{_name(d.index)} duplicates {_name(d.kept)} (same columns, same way)",
        evidence={"duplicate_of": _name(d.kept), "columns": d.index["columns"], "bytes": d.index["bytes"],
                  "scans": d.index["scans"], "kept_index_scans": d.kept["scans"],
                  "why_this_one": f"{_name(d.kept)} is kept: {d.why_kept}"},
        fix=_drop(d.index),
    ) for d in drop_plan(facts).of_kind("duplicate") if d.kept is not None]


def redundant(facts: Facts, limits: Thresholds) -> list[Finding]:
    return [Finding(
        id="indexes.redundant", family="indexes", severity="low", object=_name(d.index),
        title=f"{_name(d.index)} ({', '.join(d.index['columns'])}) is covered by {_name(d.kept)} "
              f"({', '.join(d.kept['columns'])})",
        evidence={"covered_by": _name(d.kept), "bytes": d.index["bytes"], "scans": d.index["scans"]},
        fix=_drop(d.index),
    ) for d in drop_plan(facts).of_kind("redundant") if d.kept is not None]


REPLICAS = "statistics are per server: check each replica's pg_stat_user_indexes too before dropping"


def unused(facts: Facts, limits: Thresholds) -> list[Finding]:
    drops = drop_plan(facts).of_kind("unused")
    if not drops:
        return []
    age = stats_age(facts)
    since = age.since.isoformat(timespec="seconds") if age.since else None
    if age.days is None or age.days < limits.min_stats_age_days:
        ran = f"for {describe_age(age.days)} (since the {age.started_by})" if age.days is not None else \
            "for an unknown time (the database's statistics could not be read)"
        return [Finding(
            id="indexes.unused_too_early", family="indexes", severity="info", object=None,
            title=f"too early to tell whether {len(drops)} index(es) with 0 scans are unused: the usage counters "
                  f"have run {ran}, less than {limits.min_stats_age_days:g} days",
            evidence={"indexes": [_name(d.index) for d in drops], "stats_since": since,
                      "stats_age_days": round(age.days, 3) if age.days is not None else None,
                      "counting_since": age.started_by, "min_stats_age_days": limits.min_stats_age_days,
                      "replicas": REPLICAS},
            fix=None,
        )]
    return [Finding(
        id="indexes.unused", family="indexes", severity="medium" if d.index["bytes"] >= 100 * 1024**2 else "low",
        object=_name(d.index),
        title=f"index {_name(d.index)} has not been used in {describe_age(age.days)} (since the {age.started_by})",
        evidence={"scans": 0, "bytes": d.index["bytes"], "stats_since": since,
                  "stats_age_days": round(age.days, 1), "counting_since": age.started_by,
                  "table_reads": d.index["table_reads"], "table_writes": d.index["table_writes"],
                  "columns": d.index["columns"], "replicas": REPLICAS},
        fix=_drop(d.index) + "  -- " + REPLICAS,
    ) for d in drops]


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
