"""Activity checks: long-running queries, sessions idle in a transaction, blocked sessions and their blockers,
connection use against max_connections. Query text is cut short: it is evidence, not a dump."""

from __future__ import annotations

from typing import Any

from dbsage.tools.checks.model import Facts, Finding, Thresholds


def _who(s: dict[str, Any]) -> dict[str, Any]:
    return {"pid": s["pid"], "user": s["username"], "application": s["application_name"], "state": s["state"],
            "database": s["database"], "query": (s["query"] or "")[:200]}


def long_running(facts: Facts, limits: Thresholds) -> list[Finding]:
    return [Finding(
        id="activity.long_running_query", family="activity",
        severity="high" if s["query_age_s"] >= 3600 else "medium", object=f"pid {s['pid']}",
        title=f"query running for {s['query_age_s']:,.0f} s (pid {s['pid']})",
        evidence={**_who(s), "running_s": round(s["query_age_s"], 1)},
        fix=f"SELECT pg_cancel_backend({s['pid']});  -- after checking with its owner; "
            "ALTER ROLE <app_role> SET statement_timeout = '30s' bounds it next time",
    ) for s in facts.get("activity", [])
        if s["state"] == "active" and (s["query_age_s"] or 0) >= limits.long_query_s]


def idle_in_transaction(facts: Facts, limits: Thresholds) -> list[Finding]:
    return [Finding(
        id="activity.idle_in_transaction", family="activity", severity="medium", object=f"pid {s['pid']}",
        title=f"session idle in a transaction for {s['state_age_s']:,.0f} s (pid {s['pid']})",
        evidence={**_who(s), "idle_s": round(s["state_age_s"], 1), "transaction_age_s": round(s["xact_age_s"] or 0, 1)},
        fix=f"SELECT pg_terminate_backend({s['pid']});\n"
            "ALTER ROLE <app_role> SET idle_in_transaction_session_timeout = '60s';",
    ) for s in facts.get("activity", [])
        if (s["state"] or "").startswith("idle in transaction") and (s["state_age_s"] or 0)
        >= limits.idle_in_transaction_s]


def blocked(facts: Facts, limits: Thresholds) -> list[Finding]:
    sessions = {s["pid"]: s for s in facts.get("activity", [])}
    found = []
    for s in facts.get("activity", []):
        waited = s["state_age_s"] or 0
        if not s["blocked_by"] or waited < limits.blocked_s:
            continue
        blockers = [sessions[p] for p in s["blocked_by"] if p in sessions]
        idle = [b["pid"] for b in blockers if (b["state"] or "").startswith("idle in transaction")]
        fix = "\n".join(
            f"SELECT pg_terminate_backend({b['pid']});  -- idle in transaction: its open transaction holds the lock"
            if b["pid"] in idle else f"SELECT pg_cancel_backend({b['pid']});" for b in blockers
        ) or f"-- blocked by pid(s) {s['blocked_by']} (not visible to this login)"
        found.append(Finding(
            id="activity.blocked_session", family="activity", severity="high", object=f"pid {s['pid']}",
            title=f"pid {s['pid']} has waited {waited:,.0f} s for a lock held by pid(s) "
                  f"{', '.join(str(p) for p in s['blocked_by'])}",
            evidence={**_who(s), "waiting_s": round(waited, 1), "wait_event": s["wait_event"],
                      "blocked_by": s["blocked_by"], "blockers": [_who(b) for b in blockers]},
            fix=fix,
        ))
    return found


def connection_use(facts: Facts, limits: Thresholds) -> list[Finding]:
    settings = {s["name"]: s["setting"] for s in facts.get("settings", [])}
    if "max_connections" not in settings or "activity" not in facts:
        return []
    usable = int(settings["max_connections"]) - int(settings.get("superuser_reserved_connections", 3))
    sessions = facts["activity"]
    used = len(sessions) + 1  # + this session
    if used / usable < limits.connection_use:
        return []
    states: dict[str, int] = {}
    for s in sessions:
        states[s["state"] or "unknown"] = states.get(s["state"] or "unknown", 0) + 1
    return [Finding(
        id="activity.connection_use", family="activity", severity="high" if used / usable >= 0.95 else "medium",
        object="max_connections", title=f"{used} of {usable} usable connections are taken ({used / usable:.0%})",
        evidence={"connections": used, "max_connections": int(settings["max_connections"]),
                  "usable": usable, "by_state": states},
        fix="-- put a pooler in front (PgBouncer, pool_mode = transaction) rather than raising max_connections",
    )]


RULES = [long_running, idle_in_transaction, blocked, connection_use]
