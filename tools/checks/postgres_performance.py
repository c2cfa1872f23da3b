"""Performance checks: cache hit ratio, slow statements, temporary files, checkpoint pressure."""

from __future__ import annotations

import re

from dbsage.tools.checks.model import Facts, Finding, Thresholds

# Statements an application sends; maintenance (VACUUM, CREATE INDEX, COPY …) is slow by nature.
_QUERY = re.compile(r"^\s*(?:/\*.*?\*/\s*|--[^\n]*\n\s*)*(select|with|insert|update|delete|merge|values|table)\b",
                    re.I | re.S)


def application_statement(query: str) -> bool:
    return _QUERY.match(query) is not None


def _current(facts: Facts) -> dict | None:
    return next((d for d in facts.get("database", []) if d["current"]), None)


def cache_hit_ratio(facts: Facts, limits: Thresholds) -> list[Finding]:
    db = _current(facts)
    if db is None or db["blks_hit"] is None:
        return []
    total = db["blks_hit"] + db["blks_read"]
    if total < limits.min_blocks_for_hit_ratio or db["blks_hit"] / total >= limits.cache_hit_ratio:
        return []
    ratio = db["blks_hit"] / total
    return [Finding(
        id="performance.cache_hit_ratio", family="performance", severity="medium", object=db["name"],
        title=f"only {ratio:.1%} of block reads are served from shared buffers",
        evidence={"blocks_hit": db["blks_hit"], "blocks_read": db["blks_read"], "hit_ratio": round(ratio, 4),
                  "stats_since": str(db["stats_reset"] or db["started"])},
        fix="ALTER SYSTEM SET shared_buffers = '<25% of RAM>';  -- needs a restart; or find the scans that read "
            "the most: dbsage top --sort io",
    )]


def slow_statements(facts: Facts, limits: Thresholds) -> list[Finding]:
    slow = [s for s in facts.get("statements", []) if s["mean_ms"] >= limits.slow_mean_ms
            and s["calls"] >= limits.slow_min_calls and application_statement(s["query"])]
    slow.sort(key=lambda s: -s["total_ms"])
    return [Finding(
        id="performance.slow_statement", family="performance",
        severity="high" if s["mean_ms"] >= 1000 else "medium", object=f"queryid {s['queryid']}",
        title=f"statement averages {s['mean_ms']:,.0f} ms over {s['calls']:,} calls",
        evidence={"mean_ms": round(s["mean_ms"], 2), "stddev_ms": round(s["stddev_ms"], 2), "calls": s["calls"],
                  "total_ms": round(s["total_ms"], 1), "query": s["query"][:200]},
        fix=f"-- see where its time goes: dbsage explain --analyze '<the statement with values>'\n"
            f"-- normalized text: {' '.join(s['query'].split())[:160]}",
    ) for s in slow[:10]]


def temp_files(facts: Facts, limits: Thresholds) -> list[Finding]:
    db = _current(facts)
    if db is None or (db["temp_bytes"] or 0) < limits.temp_bytes:
        return []
    spilling = sorted(facts.get("statements", []), key=lambda s: -(s["temp_blks_written"] or 0))[:3]
    return [Finding(
        id="performance.temp_files", family="performance", severity="medium" if db["temp_bytes"] >= 1024**3 else "low",
        object=db["name"], title=f"queries wrote {db['temp_bytes'] / 1024**2:,.0f} MB to temporary files",
        evidence={"temp_files": db["temp_files"], "temp_bytes": db["temp_bytes"],
                  "stats_since": str(db["stats_reset"] or db["started"]),
                  "top_spilling": [s["query"][:120] for s in spilling if s["temp_blks_written"]]},
        fix="ALTER ROLE <app_role> SET work_mem = '32MB';  -- for the roles whose sorts/hashes spill\n"
            "ALTER SYSTEM SET log_temp_files = '10MB'; SELECT pg_reload_conf();  -- to see which statements spill",
    )]


def checkpoint_pressure(facts: Facts, limits: Thresholds) -> list[Finding]:
    rows = facts.get("checkpoints", [])
    if not rows:
        return []
    timed, requested = rows[0]["timed"], rows[0]["requested"]
    total = timed + requested
    if total < limits.min_checkpoints or requested / total < limits.checkpoint_req_share:
        return []
    settings = {s["name"]: s for s in facts.get("settings", [])}
    wal = settings.get("max_wal_size", {"setting": "1024", "unit": "MB"})
    current_mb = int(wal["setting"])  # pg_settings reports max_wal_size in MB
    return [Finding(
        id="performance.checkpoint_pressure", family="performance", severity="medium", object="max_wal_size",
        title=f"{requested / total:.0%} of checkpoints were forced before checkpoint_timeout",
        evidence={"checkpoints_timed": timed, "checkpoints_requested": requested, "max_wal_size_mb": current_mb,
                  "stats_since": str(rows[0]["stats_reset"])},
        fix=f"ALTER SYSTEM SET max_wal_size = '{current_mb * 2}MB'; SELECT pg_reload_conf();",
    )]


RULES = [cache_hit_ratio, slow_statements, temp_files, checkpoint_pressure]
