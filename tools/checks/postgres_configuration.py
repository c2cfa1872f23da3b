"""Configuration checks: memory against the machine (when dbsage runs on it), random_page_cost on SSDs, autovacuum,
slow-statement logging, pg_stat_statements."""

from __future__ import annotations

from typing import Any

from dbsage.tools.checks.model import Facts, Finding, Thresholds

_UNIT_BYTES = {"B": 1, "kB": 1024, "8kB": 8192, "MB": 1024**2, "16MB": 16 * 1024**2, "GB": 1024**3}


def settings_of(facts: Facts) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in facts.get("settings", [])}


def setting_bytes(setting: dict[str, Any]) -> int:
    return int(setting["setting"]) * _UNIT_BYTES.get(setting["unit"] or "B", 1)


def _mb(n: float) -> str:
    return f"{n / 1024**2:.0f}MB"  # a setting value: no thousands separator


def memory(facts: Facts, limits: Thresholds) -> list[Finding]:
    machine = (facts.get("machine") or [{}])[0]
    ram, s = machine.get("mem_bytes"), settings_of(facts)
    if not ram or "shared_buffers" not in s:
        return []
    shared, work = setting_bytes(s["shared_buffers"]), setting_bytes(s["work_mem"])
    connections = int(s["max_connections"]["setting"])
    evidence = {"ram_bytes": ram, "shared_buffers_bytes": shared, "work_mem_bytes": work,
                "max_connections": connections, "source": "this machine's /proc/meminfo (dbsage runs on the server)"}
    found = []
    if shared < 0.1 * ram and ram >= 2 * 1024**3:
        found.append(("memory_shared_buffers_small", "low", f"shared_buffers is {shared / ram:.1%} of RAM",
                      f"ALTER SYSTEM SET shared_buffers = '{_mb(ram * 0.25)}';  -- 25% of RAM; needs a restart"))
    if shared > 0.5 * ram:
        found.append(("memory_shared_buffers_large", "medium", f"shared_buffers is {shared / ram:.0%} of RAM",
                      f"ALTER SYSTEM SET shared_buffers = '{_mb(ram * 0.25)}';  -- leave the rest to the OS cache"))
    if work * connections > ram:
        found.append(("memory_work_mem_overcommit", "medium",
                      f"work_mem × max_connections = {_mb(work * connections)} exceeds RAM",
                      "ALTER SYSTEM SET work_mem = '" + _mb(max(ram * 0.25 / connections, 4 * 1024**2)) + "';"))
    return [Finding(id=f"configuration.{rule}", family="configuration", severity=sev, object="memory",
                    title=title, evidence=evidence, fix=fix) for rule, sev, title, fix in found]


def random_page_cost(facts: Facts, limits: Thresholds) -> list[Finding]:
    machine = (facts.get("machine") or [{}])[0]
    s = settings_of(facts)
    if "random_page_cost" not in s or float(s["random_page_cost"]["setting"]) < 2:
        return []
    if machine.get("rotational") is not False:
        return []  # only when every disk of this machine is known to be solid-state
    return [Finding(
        id="configuration.random_page_cost", family="configuration", severity="low", object="random_page_cost",
        title=f"random_page_cost = {s['random_page_cost']['setting']} on solid-state storage",
        evidence={"random_page_cost": float(s["random_page_cost"]["setting"]), "disks": machine.get("disks"),
                  "source": "/sys/block/*/queue/rotational on this machine"},
        fix="ALTER SYSTEM SET random_page_cost = 1.1; SELECT pg_reload_conf();",
    )]


def autovacuum(facts: Facts, limits: Thresholds) -> list[Finding]:
    s = settings_of(facts)
    off = [name for name in ("autovacuum", "track_counts") if name in s and s[name]["setting"] == "off"]
    return [Finding(
        id=f"configuration.{name}_off", family="configuration", severity="high", object=name,
        title=f"{name} is off: dead rows pile up and statistics go stale" + (
            " (autovacuum needs track_counts)" if name == "track_counts" else ""),
        evidence={name: "off", "source": s[name]["source"]},
        fix=f"ALTER SYSTEM SET {name} = on; SELECT pg_reload_conf();",
    ) for name in off]


def slow_query_logging(facts: Facts, limits: Thresholds) -> list[Finding]:
    s = settings_of(facts)
    if "log_min_duration_statement" not in s or int(s["log_min_duration_statement"]["setting"]) >= 0:
        return []
    return [Finding(
        id="configuration.slow_query_logging_off", family="configuration", severity="low",
        object="log_min_duration_statement", title="slow statements are not logged",
        evidence={"log_min_duration_statement": -1},
        fix="ALTER SYSTEM SET log_min_duration_statement = '500ms'; SELECT pg_reload_conf();",
    )]


def pg_stat_statements(facts: Facts, limits: Thresholds) -> list[Finding]:
    env = (facts.get("environment") or [{}])[0]
    preload = settings_of(facts).get("shared_preload_libraries", {}).get("setting")
    installed = env.get("pss_installed")
    # None: unknown (the setting is hidden from this login and the view could not be asked)
    preloaded = env.get("pss_preloaded", None if preload is None else "pg_stat_statements" in preload)
    if installed is None or (installed and preloaded):
        return []
    preload_step = {False: ["ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements';  -- keep existing "
                            "entries; restart"],
                    None: ["-- make sure shared_preload_libraries includes pg_stat_statements (needs a restart)"],
                    True: []}[preloaded]
    steps = preload_step + ([] if installed else ["CREATE EXTENSION pg_stat_statements;"])
    return [Finding(
        id="configuration.pg_stat_statements_missing", family="configuration", severity="medium",
        object="pg_stat_statements", title="pg_stat_statements is not available: no per-statement statistics",
        evidence={"installed_in_database": bool(installed), "preloaded": preloaded,
                  "shared_preload_libraries": preload},
        fix="\n".join(steps),
    )]


RULES = [memory, random_page_cost, autovacuum, slow_query_logging, pg_stat_statements]
