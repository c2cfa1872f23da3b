"""Maintenance checks: vacuum and analyze debt, autovacuum switched off per table, table bloat, transaction-ID
wraparound age, sequences and integer keys near their maximum."""

from __future__ import annotations

import math
from typing import Any

from dbsage.tools.advisor.candidate import quote_ident
from dbsage.tools.checks.model import Facts, Finding, Thresholds
from dbsage.tools.checks.postgres_schema import qualified

PAGE = 8192
XID_LIMIT = 2**31
_TYPE_MAX = {"smallint": 2**15 - 1, "integer": 2**31 - 1, "bigint": 2**63 - 1}


def vacuum_needed(facts: Facts, limits: Thresholds) -> list[Finding]:
    found = []
    for t in facts.get("tables", []):
        dead, live = t["n_dead_tup"] or 0, t["n_live_tup"] or 0
        share = dead / (dead + live) if dead + live else 0.0
        if dead < limits.min_dead_tuples or share < limits.dead_tuple_share:
            continue
        table = qualified(t["schema"], t["name"])
        found.append(Finding(
            id="maintenance.vacuum_needed", family="maintenance", severity="high" if share >= 0.5 else "medium",
            object=table, title=f"{table}: {share:.0%} of its rows are dead",
            evidence={"dead_rows": dead, "live_rows": live, "dead_share": round(share, 4),
                      "last_vacuum": str(t["last_vacuum"]), "last_autovacuum": str(t["last_autovacuum"]),
                      "autovacuum_enabled": t["autovacuum_enabled"]},
            fix=f"VACUUM (VERBOSE, ANALYZE) {table};",
        ))
    return found


def analyze_needed(facts: Facts, limits: Thresholds) -> list[Finding]:
    found = []
    for t in facts.get("tables", []):
        live, changed = t["n_live_tup"] or 0, t["n_mod_since_analyze"] or 0
        never = t["last_analyze"] is None and t["last_autoanalyze"] is None
        stale = changed >= max(limits.min_rows_for_stats, 0.2 * max(t["reltuples"], live))
        if max(live, changed) < limits.min_rows_for_stats or not (never or stale):
            continue
        table = qualified(t["schema"], t["name"])
        found.append(Finding(
            id="maintenance.analyze_needed", family="maintenance", severity="medium", object=table,
            title=f"{table}: planner statistics are " + ("missing" if never else "stale"),
            evidence={"rows_changed_since_analyze": changed, "live_rows": live, "never_analyzed": never,
                      "last_analyze": str(t["last_analyze"]), "last_autoanalyze": str(t["last_autoanalyze"])},
            fix=f"ANALYZE {table};",
        ))
    return found


def autovacuum_disabled(facts: Facts, limits: Thresholds) -> list[Finding]:
    return [Finding(
        id="maintenance.autovacuum_disabled", family="maintenance", severity="medium",
        object=qualified(t["schema"], t["name"]),
        title=f"autovacuum is switched off for {qualified(t['schema'], t['name'])}",
        evidence={"autovacuum_enabled": t["autovacuum_enabled"], "dead_rows": t["n_dead_tup"]},
        fix=f"ALTER TABLE {qualified(t['schema'], t['name'])} RESET (autovacuum_enabled);",
    ) for t in facts.get("tables", []) if str(t["autovacuum_enabled"]).lower() in ("false", "off", "0", "no")]


def _expected_heap_pages(t: dict[str, Any]) -> int | None:
    if t["row_width"] is None or t["analyzed_columns"] < t["column_count"] or t["relkind"] != "r":
        return None
    header = 24 + math.ceil(t["column_count"] / 8)  # tuple header + null bitmap
    tuple_bytes = 8 * math.ceil((header + float(t["row_width"])) / 8) + 4
    per_page = max(int((PAGE - 24) * t["fillfactor"] / 100 // tuple_bytes), 1)
    return math.ceil(t["reltuples"] / per_page)


def table_bloat(facts: Facts, limits: Thresholds) -> list[Finding]:
    found = []
    for t in facts.get("tables", []):
        expected = _expected_heap_pages(t) if t["reltuples"] else None
        if expected is None or not t["pages"]:
            continue
        wasted = (t["pages"] - expected) * PAGE
        share = wasted / (t["pages"] * PAGE)
        if share < limits.bloat_share or wasted < limits.bloat_min_bytes:
            continue
        table = qualified(t["schema"], t["name"])
        found.append(Finding(
            id="maintenance.table_bloat", family="maintenance", severity="medium", object=table,
            title=f"{table} is about {share:.0%} empty space",
            evidence={"heap_bytes": t["pages"] * PAGE, "estimated_needed_bytes": expected * PAGE,
                      "wasted_bytes": wasted, "rows": t["reltuples"]},
            fix=f"-- online: pg_repack --table {table}\nVACUUM (FULL, ANALYZE) {table};  -- locks the table "
                "(ACCESS EXCLUSIVE) while it rewrites it",
        ))
    return found


def xid_wraparound(facts: Facts, limits: Thresholds) -> list[Finding]:
    settings = {s["name"]: s["setting"] for s in facts.get("settings", [])}
    freeze_max = int(settings.get("autovacuum_freeze_max_age", 200_000_000))
    oldest = sorted(facts.get("tables", []), key=lambda t: -(t["xid_age"] or 0))[:3]
    found = []
    for d in facts.get("database", []):
        age = d["xid_age"] or 0
        if age < 1.25 * freeze_max:
            continue
        severity = "critical" if age >= 0.75 * XID_LIMIT else "high" if age >= 0.5 * XID_LIMIT else "medium"
        found.append(Finding(
            id="maintenance.xid_wraparound", family="maintenance", severity=severity, object=d["name"],
            title=f"database {d['name']} is {age:,} transactions old ({age / XID_LIMIT:.0%} of the way to "
                  "wraparound)",
            evidence={"xid_age": age, "autovacuum_freeze_max_age": freeze_max, "wraparound_at": XID_LIMIT},
            fix=_freeze_fix(d, oldest),
        ))
    return found


def _freeze_fix(database: dict[str, Any], oldest: list[dict[str, Any]]) -> str:
    if database["current"] and oldest:
        return "\n".join(f"VACUUM (FREEZE, VERBOSE) {qualified(t['schema'], t['name'])};  -- age {t['xid_age']:,}"
                         for t in oldest)
    return f"-- connected to {database['name']}: VACUUM (FREEZE, VERBOSE);  -- oldest tables first (age(relfrozenxid))"


def _column_max(s: dict[str, Any]) -> int:
    own = int(s["max_value"])
    return min(own, _TYPE_MAX.get(s["column_type"] or "", own))


def sequence_near_max(facts: Facts, limits: Thresholds) -> list[Finding]:
    found = []
    for s in facts.get("sequences", []):
        if int(s["increment_by"]) <= 0:
            continue
        ceiling = _column_max(s)
        used = int(s["last_value"]) / ceiling
        if used < limits.sequence_use:
            continue
        name = qualified(s["schema"], s["name"])
        column = f"{s['schema']}.{s['column_name']}" if s["column_name"] else None
        fix = f"ALTER SEQUENCE {name} AS bigint;"
        if column and s["column_type"] != "bigint":
            table, _, col = s["column_name"].rpartition(".")
            fix += (f"\nALTER TABLE {qualified(s['schema'], table)} ALTER COLUMN {quote_ident(col)} TYPE bigint;"
                    "  -- rewrites the table: plan the window")
        found.append(Finding(
            id="maintenance.sequence_near_max", family="maintenance", severity="high" if used >= 0.9 else "medium",
            object=name, title=f"sequence {name} has used {used:.0%} of its range"
            + (f" (feeds {column}, {s['column_type']})" if column else ""),
            evidence={"last_value": int(s["last_value"]), "max_value": ceiling, "used": round(used, 4),
                      "sequence_type": s["data_type"], "column_type": s["column_type"]},
            fix=fix,
        ))
    return found


RULES = [vacuum_needed, analyze_needed, autovacuum_disabled, table_bloat, xid_wraparound, sequence_near_max]
