"""Reliability checks: durability settings, WAL archiving and its failures, replication slots, replica lag."""

from __future__ import annotations

from dbsage.tools.checks.model import Facts, Finding, Thresholds
from dbsage.tools.checks.postgres_configuration import settings_of


def durability(facts: Facts, limits: Thresholds) -> list[Finding]:
    s = settings_of(facts)
    rules = {"fsync": ("critical", "a crash or power loss can corrupt the whole cluster"),
             "full_page_writes": ("high", "a crash during a page write can leave torn pages")}
    return [Finding(
        id=f"reliability.{name}_off", family="reliability", severity=severity, object=name,
        title=f"{name} is off: {why}", evidence={name: "off", "source": s[name]["source"]},
        fix=f"ALTER SYSTEM SET {name} = on; SELECT pg_reload_conf();",
    ) for name, (severity, why) in rules.items() if name in s and s[name]["setting"] == "off"]


def archiving(facts: Facts, limits: Thresholds) -> list[Finding]:
    s = settings_of(facts)
    if "archive_mode" not in s:
        return []
    if s["archive_mode"]["setting"] == "off":
        return [Finding(
            id="reliability.no_wal_archiving", family="reliability", severity="medium", object="archive_mode",
            title="WAL archiving is off: no point-in-time recovery from this server's WAL",
            evidence={"archive_mode": "off", "wal_level": s.get("wal_level", {}).get("setting")},
            fix="-- with a backup tool (pgBackRest, WAL-G, Barman):\nALTER SYSTEM SET archive_mode = on;\n"
                "ALTER SYSTEM SET archive_command = '<your tool''s archive-push %p>';  -- then restart",
        )]
    archiver = (facts.get("archiver") or [{}])[0]
    failed, last_ok = archiver.get("last_failed_time"), archiver.get("last_archived_time")
    if archiver.get("failed_count") and failed and (last_ok is None or failed > last_ok):
        return [Finding(
            id="reliability.archiving_failing", family="reliability", severity="high", object="archive_command",
            title="WAL archiving is failing: WAL piles up in pg_wal and backups are incomplete",
            evidence={"failed_count": archiver["failed_count"], "last_failed_time": str(failed),
                      "last_failed_wal": archiver.get("last_failed_wal"), "last_archived_time": str(last_ok)},
            fix="-- read the server log for the archive_command error, fix it, then watch pg_stat_archiver",
        )]
    return []


def replication_slots(facts: Facts, limits: Thresholds) -> list[Finding]:
    found = []
    for slot in facts.get("slots", []):
        retained = slot["retained_bytes"] or 0
        lost = slot["wal_status"] == "lost"
        if slot["active"] and retained < limits.slot_retained_bytes and not lost:
            continue
        severity = "high" if lost or retained >= limits.slot_retained_bytes else "medium"
        state = "inactive" if not slot["active"] else "active"
        found.append(Finding(
            id="reliability.replication_slot", family="reliability", severity=severity, object=slot["name"],
            title=f"{state} replication slot {slot['name']} retains {retained / 1024**2:,.0f} MB of WAL",
            evidence={"active": slot["active"], "slot_type": slot["slot_type"], "retained_bytes": retained,
                      "wal_status": slot["wal_status"]},
            fix=f"SELECT pg_drop_replication_slot('{slot['name']}');  -- only if its consumer is gone for good",
        ))
    return found


def replica_lag(facts: Facts, limits: Thresholds) -> list[Finding]:
    return [Finding(
        id="reliability.replica_lag", family="reliability", severity="medium", object=r["name"],
        title=f"{r['name']} replays {r['replay_lag_s']:,.0f} s behind",
        evidence={"replay_lag_s": round(r["replay_lag_s"], 1), "behind_bytes": r["behind_bytes"],
                  "state": r["state"]},
        fix="-- check the standby's I/O and network; long queries on it (hot_standby_feedback, "
            "max_standby_streaming_delay) also hold replay back",
    ) for r in facts.get("replication", []) if (r["replay_lag_s"] or 0) >= limits.replica_lag_s]


RULES = [durability, archiving, replication_slots, replica_lag]
