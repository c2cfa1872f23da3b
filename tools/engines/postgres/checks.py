"""`dbsage check` on PostgreSQL: read the catalog and statistics facts (tools/sql/postgres_check_*.sql) in one
read-only, rolled-back session, then let the pure rules in tools/checks judge them.

A fact this login may not read (pg_authid, pg_hba_file_rules need a superuser) is skipped with the reason; the
rules that need it stay silent and the scorecard says "unknown" rather than guessing.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.rows import dict_row

from dbsage.tools.checks import CheckReport, Facts, Thresholds, bounded, evaluate
from dbsage.tools.query_result import mask_secrets
from dbsage.tools.redact import redact

if TYPE_CHECKING:
    from dbsage.tools.engines.postgres.adapter import PostgresEngine

FACTS = ("environment", "settings", "tables", "indexes", "foreign_keys", "columns", "sequences", "activity",
         "database", "archiver", "slots", "replication", "roles", "role_passwords", "schema_privileges", "hba",
         "partitions")
_LOOPBACK = ("127.", "::1")


def run_checks(engine: PostgresEngine, thresholds: Thresholds | None = None) -> CheckReport:
    started = time.perf_counter()
    facts, skipped = read_facts(engine)
    env = (facts.get("environment") or [{}])[0]
    findings, scorecard = evaluate(facts, thresholds)  # the scorecard counts every finding …
    findings, omitted = bounded(findings)  # … the report lists a bounded number per rule
    return CheckReport(engine="postgres", target=engine.target.display, database=env.get("database", "?"),
                       findings=findings, scorecard=scorecard, skipped=skipped, omitted=omitted,
                       elapsed_ms=round((time.perf_counter() - started) * 1000, 1))


def read_facts(engine: PostgresEngine) -> tuple[Facts, list[str]]:
    from dbsage.tools.engines.postgres.roles import read_only_role_sql
    from dbsage.tools.engines.postgres.sqlfiles import load as _sql
    from dbsage.tools.engines.postgres.stats_age import database_created

    facts: Facts = {}
    skipped: list[str] = []
    with engine.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        # Opens the read-only transaction (each fact below runs in a savepoint of it). Catalog joins over thousands
        # of tables can cross jit_above_cost; compiling them costs more than running them.
        cur.execute("SET LOCAL jit = off")
        for name in FACTS:
            _read(conn, cur, name, _sql(f"check_{name}"), facts, skipped)
        current = next((d for d in facts.get("database", []) if d.get("current")), None)
        if current is not None:
            with conn.transaction():  # a savepoint, like every fact
                current["created"] = database_created(cur)
        env = facts["environment"][0] if facts.get("environment") else {}
        version = int(env.get("version_num") or 0)
        _read(conn, cur, "checkpoints", _sql("check_checkpoints17" if version >= 170000 else "check_checkpoints"),
              facts, skipped)
        if env.get("pss_installed"):
            # Reading the view is the test that works for every login: shared_preload_libraries itself is
            # hidden from logins without pg_read_all_settings.
            _read(conn, cur, "statements", _sql("check_statements"), facts, skipped)
            refused = any(n.startswith("statements:") and "shared_preload_libraries" in n for n in skipped)
            env["pss_preloaded"] = True if "statements" in facts else False if refused else None
    if env:
        schemas = sorted({t["schema"] for t in facts.get("tables", [])}) or ["public"]
        env["read_only_role_sql"] = read_only_role_sql(env["database"], schemas)
        if _is_local(env):
            facts["machine"] = [machine_facts()]
    return facts, skipped


def _read(conn: psycopg.Connection[Any], cur: psycopg.Cursor[Any], name: str, sql: str, facts: Facts,
          skipped: list[str]) -> None:
    try:
        with conn.transaction():  # a savepoint: one unreadable fact must not abort the others
            cur.execute(sql, {})  # our SQL from tools/sql; {} so that %% means %
            # Other sessions' query texts (pg_stat_activity, pg_stat_statements) and settings may hold passwords.
            facts[name] = [{k: mask_secrets(v) if isinstance(v, str) else v for k, v in row.items()}
                           for row in cur.fetchall()]
    except psycopg.errors.InsufficientPrivilege:
        skipped.append(f"{name}: this login may not read it (a superuser or pg_monitor grant can)")
    except psycopg.Error as exc:
        skipped.append(f"{name}: {redact(str(exc)).strip().splitlines()[0]}")


def _is_local(env: dict[str, Any]) -> bool:
    """The server runs on this machine: connected over a Unix socket (no address) or the loopback interface."""
    addr = env.get("server_addr")
    return addr is None or str(addr).startswith(_LOOPBACK)


def machine_facts() -> dict[str, Any]:
    """RAM and disk kinds of the machine dbsage runs on (= the server's, when _is_local)."""
    mem = None
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    disks = {}
    for device in sorted(Path("/sys/block").glob("*")) if Path("/sys/block").is_dir() else []:
        flag = device / "queue" / "rotational"
        if flag.is_file() and not device.name.startswith(("loop", "ram", "zram", "dm-", "sr")):
            disks[device.name] = flag.read_text().strip() == "1"
    rotational = None if not disks else any(disks.values())
    return {"mem_bytes": mem, "disks": disks, "rotational": rotational}
