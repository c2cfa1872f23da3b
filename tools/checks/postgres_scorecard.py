"""The development checklist people know, answered from the findings and facts: pass / fail / unknown, with why."""

from __future__ import annotations

from dbsage.tools.checks.model import Facts, Finding, ScoreItem, Thresholds
from dbsage.tools.checks.postgres_configuration import settings_of
from dbsage.tools.checks.postgres_performance import application_statement

_POOLERS = ("pgbouncer", "odyssey", "pgcat", "pgpool", "supavisor")


def _ids(findings: list[Finding], rule: str) -> list[str]:
    return [f"{f.id}:{f.object}" for f in findings if f.id == rule]


def primary_keys(findings: list[Finding], facts: Facts, limits: Thresholds) -> ScoreItem:
    tables = [t for t in facts.get("tables", []) if t["relkind"] == "r"]
    failing = _ids(findings, "schema.missing_primary_key")
    if "tables" not in facts:
        return ScoreItem(key="pks", label="PKs everywhere", status="unknown", why="the table list could not be read")
    if failing:
        return ScoreItem(key="pks", label="PKs everywhere", status="fail", finding_ids=failing,
                         why=f"{len(failing)} of {len(tables)} tables have no primary key")
    return ScoreItem(key="pks", label="PKs everywhere", status="pass", why=f"all {len(tables)} tables have one")


def foreign_keys(findings: list[Finding], facts: Facts, limits: Thresholds) -> ScoreItem:
    fks = facts.get("foreign_keys")
    failing = _ids(findings, "schema.fk_without_index")
    if fks is None:
        return ScoreItem(key="fks", label="FKs indexed", status="unknown", why="foreign keys could not be read")
    fks = [fk for fk in fks if not fk.get("inherited")]  # a partition's copy of its parent's key is not another
    if failing:
        return ScoreItem(key="fks", label="FKs indexed", status="fail", finding_ids=failing,
                         why=f"{len(failing)} of {len(fks)} foreign keys have no supporting index")
    return ScoreItem(key="fks", label="FKs indexed", status="pass",
                     why=f"all {len(fks)} foreign keys have an index" if fks else "no foreign keys")


def estimated_p95_ms(facts: Facts) -> float | None:
    """p95 latency estimated from per-statement means weighted by calls: the mean of the statement at which the
    slowest 5% of all calls is reached. pg_stat_statements keeps no percentiles; this is the honest proxy."""
    statements = sorted((s for s in facts.get("statements", []) if application_statement(s["query"])),
                        key=lambda s: -s["mean_ms"])
    total = sum(s["calls"] for s in statements)
    if not total:
        return None
    seen = 0
    for s in statements:
        seen += s["calls"]
        if seen >= 0.05 * total:
            return float(s["mean_ms"])
    return float(statements[-1]["mean_ms"])


def p95(findings: list[Finding], facts: Facts, limits: Thresholds) -> ScoreItem:
    label = "p95 < 100 ms"
    if "statements" not in facts:
        return ScoreItem(key="p95", label=label, status="unknown",
                         why="pg_stat_statements is not available, so statement timings are unknown")
    estimate = estimated_p95_ms(facts)
    if estimate is None:
        return ScoreItem(key="p95", label=label, status="unknown", why="no statement has been recorded yet")
    status = "pass" if estimate < limits.slow_mean_ms else "fail"
    return ScoreItem(key="p95", label=label, status=status, finding_ids=_ids(findings, "performance.slow_statement"),
                     why=f"estimated p95 ≈ {estimate:,.1f} ms (per-statement means weighted by calls; "
                         "pg_stat_statements keeps no percentiles)")


def index_coverage(findings: list[Finding], facts: Facts, limits: Thresholds) -> ScoreItem:
    label = "index coverage > 95%"
    big = [t for t in facts.get("tables", []) if t["reltuples"] >= limits.min_rows_for_stats]
    seq = sum(t["seq_scan"] or 0 for t in big)
    idx = sum(t["idx_scan"] or 0 for t in big)
    if not seq + idx:
        return ScoreItem(key="index_coverage", label=label, status="unknown",
                         why=f"no scans recorded on tables of {limits.min_rows_for_stats:,}+ rows since the reset")
    share = idx / (seq + idx)
    return ScoreItem(key="index_coverage", label=label, status="pass" if share >= limits.index_coverage else "fail",
                     finding_ids=_ids(findings, "indexes.heavy_seq_scans"),
                     why=f"{share:.1%} of scans on tables of {limits.min_rows_for_stats:,}+ rows used an index "
                         f"({idx:,} index, {seq:,} sequential)")


def pooling(findings: list[Finding], facts: Facts, limits: Thresholds) -> ScoreItem:
    sessions = facts.get("activity", [])
    poolers = sorted({s["application_name"] for s in sessions
                      if any(p in (s["application_name"] or "").lower() for p in _POOLERS)})
    if poolers:
        return ScoreItem(key="pooling", label="pooling", status="pass",
                         why=f"pooler sessions seen: {', '.join(poolers)}")
    idle = sum(1 for s in sessions if s["state"] == "idle")
    pressure = _ids(findings, "activity.connection_use")
    if pressure or idle >= 20 and idle > 0.5 * len(sessions):
        return ScoreItem(key="pooling", label="pooling", status="fail", finding_ids=pressure,
                         why=f"{len(sessions)} sessions, {idle} of them idle, and no pooler in sight")
    return ScoreItem(key="pooling", label="pooling", status="unknown",
                     why=f"no pooler visible from the server ({len(sessions)} other sessions, {idle} idle); "
                         "a pooler in transaction mode can hide itself")


def migrations(findings: list[Finding], facts: Facts, limits: Thresholds) -> ScoreItem:
    tables = (facts.get("environment") or [{}])[0].get("migration_tables") or []
    seen = f"migration history found: {', '.join(tables)}" if tables else "no migration tool's history table found"
    return ScoreItem(key="reversible_migrations", label="reversible migrations", status="unknown",
                     why=f"{seen}; whether each migration has a working down step lives in the code, not the "
                         "database; review each migration's down step (dbsage proposals carry one for every change "
                         "they draft)")


def backups(findings: list[Finding], facts: Facts, limits: Thresholds) -> ScoreItem:
    failing = _ids(findings, "reliability.archiving_failing") + _ids(findings, "reliability.fsync_off")
    if failing:
        return ScoreItem(key="backups", label="backups", status="fail", finding_ids=failing,
                         why="WAL archiving is failing" if "archiving" in failing[0] else "fsync is off")
    mode = settings_of(facts).get("archive_mode", {}).get("setting")
    archived = (facts.get("archiver") or [{}])[0].get("archived_count") or 0
    if mode in ("on", "always") and archived:
        return ScoreItem(key="backups", label="backups", status="pass",
                         why=f"WAL archiving is on and has archived {archived:,} segments without a later failure")
    return ScoreItem(key="backups", label="backups", status="unknown",
                     why=f"archive_mode = {mode}, {archived} segments archived; dumps or snapshots taken elsewhere "
                         "do not show in the server")


def ssl(findings: list[Finding], facts: Facts, limits: Thresholds) -> ScoreItem:
    value = settings_of(facts).get("ssl", {}).get("setting")
    if value is None:
        return ScoreItem(key="ssl", label="SSL", status="unknown", why="the ssl setting could not be read")
    return ScoreItem(key="ssl", label="SSL", status="pass" if value == "on" else "fail",
                     finding_ids=_ids(findings, "security.ssl_off"), why=f"ssl = {value}")


def monitoring(findings: list[Finding], facts: Facts, limits: Thresholds) -> ScoreItem:
    missing = _ids(findings, "configuration.pg_stat_statements_missing")
    logging = settings_of(facts).get("log_min_duration_statement", {}).get("setting")
    log_note = "slow-statement logging off" if logging == "-1" else f"slow statements logged over {logging} ms"
    if missing:
        return ScoreItem(key="monitoring", label="monitoring", status="fail", finding_ids=missing,
                         why=f"pg_stat_statements is not available; {log_note}")
    if "statements" in facts:
        return ScoreItem(key="monitoring", label="monitoring", status="pass",
                         why=f"pg_stat_statements collects per-statement statistics; {log_note}")
    return ScoreItem(key="monitoring", label="monitoring", status="unknown", why="pg_stat_statements not readable")


ITEMS = [primary_keys, foreign_keys, p95, index_coverage, pooling, migrations, backups, ssl, monitoring]


def scorecard(findings: list[Finding], facts: Facts, limits: Thresholds) -> list[ScoreItem]:
    return [item(findings, facts, limits) for item in ITEMS]
