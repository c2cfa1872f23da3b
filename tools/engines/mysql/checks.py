"""`dbsage check` on MySQL/MariaDB: read the facts (sql/check_*.sql, SHOW VARIABLES/STATUS, replication status) in
one read-only, rolled-back session; the pure rules in tools/checks/mysql_rules judge them.

A fact this login may not read (mysql.user, INNODB_TRX need privileges) or the server lacks (performance_schema off)
is skipped with the reason: its rules stay silent and the scorecard says "unknown".
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pymysql

from dbsage.tools.checks import CheckReport, Thresholds, judge
from dbsage.tools.checks.model import Facts
from dbsage.tools.checks.mysql_rules import RULES, MySQLThresholds, scorecard
from dbsage.tools.query_result import mask_secrets
from dbsage.tools.redact import redact

if TYPE_CHECKING:
    from dbsage.tools.engines.mysql.adapter import MySQLEngine

VARIABLES = ("innodb_flush_log_at_trx_commit", "sync_binlog", "log_bin", "max_connections", "innodb_buffer_pool_size",
             "have_ssl", "require_secure_transport", "performance_schema", "slow_query_log", "long_query_time",
             "version")
STATUS = ("Uptime", "Innodb_buffer_pool_read_requests", "Innodb_buffer_pool_reads", "Innodb_history_list_length",
          "Max_used_connections", "Threads_connected")
_SCHEMA_FACTS = ("tables", "indexes", "foreign_keys", "text_columns")


def sql(name: str) -> str:
    from dbsage.tools.engines.mysql.sqlfiles import load

    return load(name)


def run_checks(engine: MySQLEngine, thresholds: Thresholds | None = None) -> CheckReport:
    started = time.perf_counter()
    limits = thresholds or MySQLThresholds()
    facts, skipped, schemas = read_facts(engine)
    findings, card, omitted = judge(RULES, facts, limits, scorecard)
    return CheckReport(engine="mysql", target=engine.target.display, database=", ".join(schemas) or "(none)",
                       findings=findings, scorecard=card, skipped=skipped, omitted=omitted,
                       elapsed_ms=round((time.perf_counter() - started) * 1000, 1))


def read_facts(engine: MySQLEngine) -> tuple[Facts, list[str], list[str]]:
    facts: Facts = {}
    skipped: list[str] = []
    with engine.connection() as conn, conn.cursor() as cur:
        schemas, _table = engine._scope(cur, None)
        params = {"schemas": schemas or ["-"]}
        for name in _SCHEMA_FACTS:
            _read(cur, name, sql(f"check_{name}"), params, facts, skipped)
        _read(cur, "variables", "SHOW GLOBAL VARIABLES WHERE Variable_name IN %(names)s",
              {"names": VARIABLES}, facts, skipped)
        _read(cur, "status", "SHOW GLOBAL STATUS WHERE Variable_name IN %(names)s", {"names": STATUS}, facts, skipped)
        facts["variables"] = [{"name": r["Variable_name"], "value": r["Value"]} for r in facts.get("variables", [])]
        facts["status"] = [{"name": r["Variable_name"], "value": r["Value"]} for r in facts.get("status", [])]
        if any(r["name"] == "performance_schema" and r["value"] == "ON" for r in facts["variables"]):
            _read(cur, "index_usage", sql("check_index_usage"), params, facts, skipped)
            _read(cur, "statements", sql("top_statements").format(order="d.SUM_TIMER_WAIT"), {"limit": 500},
                  facts, skipped)
        else:
            skipped.append("index_usage, statements: performance_schema is OFF (unused indexes and statement "
                           "timings are unknown); add performance_schema=ON to my.cnf and restart")
        _read(cur, "transactions", sql("check_transactions"), None, facts, skipped)
        mariadb = bool(engine.flavour and engine.flavour.mariadb)
        _read(cur, "accounts", sql("check_accounts_mariadb" if mariadb else "check_accounts_mysql"), None, facts,
              skipped)
        _read(cur, "replication", "SHOW SLAVE STATUS" if mariadb else "SHOW REPLICA STATUS", None, facts, skipped)
    return facts, skipped, list(schemas)


def _read(cur: Any, name: str, text: str, params: dict[str, Any] | None, facts: Facts, skipped: list[str]) -> None:
    try:
        cur.execute(text, params)  # our SQL; values as parameters
        rows = list(cur.fetchall()) if cur.description else []
    except pymysql.err.MySQLError as exc:
        skipped.append(f"{name}: {redact(str(exc.args[1] if len(exc.args) > 1 else exc)).strip()}")
        return
    # Other sessions' statements (INNODB_TRX, digests) may carry passwords in their text.
    facts[name] = [{k: mask_secrets(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows]
