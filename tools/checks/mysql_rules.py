"""Health checks for MySQL/MariaDB: pure rules over information_schema / performance_schema / SHOW rows, in the same
families and the same Finding shape as PostgreSQL's, plus the checklist scorecard.

Facts (read by the MySQL adapter, tools/engines/mysql…): tables, indexes, foreign_keys, text_columns, index_usage
(absent when performance_schema is off), variables and status (name → value), transactions, accounts, replication
(SHOW REPLICA/SLAVE STATUS rows; empty on a primary), statements (digests; absent when performance_schema is off).
A missing fact makes its rules silent and its scorecard line "unknown" — never a guess. Fixes are drafts.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from dbsage.tools.checks.model import Facts, Finding, ScoreItem, Thresholds

INT_MAX = {"tinyint": 127, "smallint": 32_767, "mediumint": 8_388_607, "int": 2_147_483_647,
           "integer": 2_147_483_647, "bigint": 9_223_372_036_854_775_807}
SYSTEM_USERS = {"mysql.sys", "mysql.session", "mysql.infoschema", "mariadb.sys"}


class MySQLThresholds(Thresholds):
    min_uptime_s: float = 7 * 86_400  # unused-index counters mean little before a week of normal traffic
    history_list_length: int = 100_000
    min_read_requests: int = 10_000


def _q(schema: str, name: str) -> str:
    return f"`{schema}`.`{name}`"


def _parts(index: dict[str, Any]) -> list[str]:
    return [p for p in str(index["parts"] or "").split(",") if p]


def _bare(part: str) -> str:
    return part.split("(")[0]


def variables(facts: Facts) -> dict[str, str]:
    return {str(r["name"]).lower(): str(r["value"]) for r in facts.get("variables", [])}


def status(facts: Facts) -> dict[str, str]:
    return {str(r["name"]).lower(): str(r["value"]) for r in facts.get("status", [])}


def _num(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _online(facts: Facts) -> str:
    return ", ALGORITHM=INPLACE, LOCK=NONE"


# -- schema ------------------------------------------------------------------------------------------------------


def missing_primary_key(facts: Facts, limits: Thresholds) -> list[Finding]:
    found = []
    for t in facts.get("tables", []):
        if t["has_primary_key"] or (t["engine"] or "").lower() != "innodb":
            continue
        found.append(Finding(
            id="schema.missing_primary_key", family="schema", severity="medium" if t["has_unique"] else "high",
            object=_q(t["schema"], t["name"]),
            title=f"table {t['schema']}.{t['name']} has no primary key",
            evidence={"row_estimate": t["row_estimate"], "has_unique_key": bool(t["has_unique"]),
                      "engine": t["engine"]},
            fix=(f"ALTER TABLE {_q(t['schema'], t['name'])} ADD COLUMN `id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT "
                 "PRIMARY KEY FIRST;  -- or ADD PRIMARY KEY (the columns that identify a row). Without one InnoDB "
                 "clusters on a hidden 6-byte row id, row-based replicas search the whole table for every changed "
                 "row, and duplicates cannot be prevented"),
        ))
    return found


def auto_increment_near_limit(facts: Facts, limits: Thresholds) -> list[Finding]:
    found = []
    for t in facts.get("tables", []):
        kind = str(t["auto_type"] or "").lower()
        if not t["auto_increment"] or not kind:
            continue
        base = kind.split("(")[0].split()[0]
        limit = INT_MAX.get(base)
        if limit is None:
            continue
        if "unsigned" in kind:
            limit = limit * 2 + 1
        used = int(t["auto_increment"]) / limit
        if used < limits.sequence_use:
            continue
        bigger = "BIGINT UNSIGNED" if base != "bigint" else "BIGINT UNSIGNED (already the widest: archive or re-key)"
        found.append(Finding(
            id="schema.auto_increment_near_limit", family="schema", severity="critical" if used >= 0.95 else "high",
            object=f"{_q(t['schema'], t['name'])}.`{t['auto_column']}`",
            title=f"{t['schema']}.{t['name']}.{t['auto_column']} ({kind}) has used {used:.0%} of its range",
            evidence={"auto_increment": int(t["auto_increment"]), "type_max": limit, "used_share": round(used, 4)},
            fix=(f"ALTER TABLE {_q(t['schema'], t['name'])} MODIFY `{t['auto_column']}` {bigger} NOT NULL "
                 "AUTO_INCREMENT;  -- rewrites the table (ALGORITHM=COPY): schedule it, or use an online schema "
                 "change tool; inserts fail once the limit is reached"),
        ))
    return found


def collation_mismatch(facts: Facts, limits: Thresholds) -> list[Finding]:
    """Joined text columns (foreign key pairs, and same-named columns where one side is indexed) whose character set
    or collation differ: the join converts one side and cannot use that side's index."""
    columns = {(c["schema"], c["table"], c["name"]): c for c in facts.get("text_columns", [])}
    pairs: list[tuple[dict[str, Any], dict[str, Any], str]] = []
    for fk in facts.get("foreign_keys", []):
        for mine, theirs in zip(str(fk["columns"]).split(","), str(fk["ref_columns"]).split(","), strict=False):
            a = columns.get((fk["schema"], fk["table"], mine))
            b = columns.get((fk["ref_schema"], fk["ref_table"], theirs))
            if a and b:
                pairs.append((a, b, f"foreign key {fk['name']}"))
    leading = {(i["schema"], i["table"], _bare(_parts(i)[0])) for i in facts.get("indexes", []) if _parts(i)}
    by_name: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for c in columns.values():
        by_name[(c["schema"], c["name"])].append(c)
    for same in by_name.values():
        indexed = [c for c in same if (c["schema"], c["table"], c["name"]) in leading]
        for b in indexed:
            pairs += [(a, b, "same column name") for a in same if a is not b and a not in indexed]
    return [_mismatch(a, b, why) for a, b, why in pairs if a["collation"] != b["collation"]]


def _mismatch(a: dict[str, Any], b: dict[str, Any], why: str) -> Finding:
    null = "" if a["nullable"] else " NOT NULL"
    return Finding(
        id="schema.collation_mismatch", family="schema", severity="high" if a["charset"] != b["charset"] else "medium",
        object=f"{_q(a['schema'], a['table'])}.`{a['name']}`",
        title=(f"{a['table']}.{a['name']} ({a['collation']}) and {b['table']}.{b['name']} ({b['collation']}) are "
               "joined but differ in character set or collation"),
        evidence={"why_joined": why, "left": f"{a['table']}.{a['name']} {a['charset']}/{a['collation']}",
                  "right": f"{b['table']}.{b['name']} {b['charset']}/{b['collation']}"},
        fix=(f"ALTER TABLE {_q(b['schema'], b['table'])} MODIFY `{b['name']}` {b['column_type']} CHARACTER SET "
             f"{a['charset']} COLLATE {a['collation']}{null};  -- or change {a['table']}.{a['name']} to match; "
             "the join then compares without converting and can use the index (rewrites the table)"),
    )


# -- indexes -----------------------------------------------------------------------------------------------------


def _fk_needs(facts: Facts, table: tuple[str, str]) -> list[list[str]]:
    return [str(fk["columns"]).split(",") for fk in facts.get("foreign_keys", [])
            if (fk["schema"], fk["table"]) == table]


def _still_supported(fk_cols: list[str], remaining: list[dict[str, Any]]) -> bool:
    return any([_bare(p) for p in _parts(i)][: len(fk_cols)] == fk_cols for i in remaining)


def droppable(index: dict[str, Any], others: list[dict[str, Any]], facts: Facts) -> bool:
    """Never the primary key or a unique index (a constraint); never the last index a foreign key can use."""
    if index["name"] == "PRIMARY" or index["is_unique"]:
        return False
    leads = [_bare(p) for p in _parts(index)]
    for fk_cols in _fk_needs(facts, (index["schema"], index["table"])):
        if leads[: len(fk_cols)] == fk_cols and not _still_supported(fk_cols, others):
            return False
    return True


def _covers(a: dict[str, Any], b: dict[str, Any]) -> str | None:
    """"duplicate" when b has a's key parts exactly (and a is the one to drop: not a constraint, the later name),
    "redundant" when a's parts are a leading part of b's; else None."""
    pa, pb = _parts(a), _parts(b)
    if pa == pb:
        b_kept = bool(b["is_unique"]) or b["name"] == "PRIMARY" or a["name"] > b["name"]
        return "duplicate" if b_kept else None
    return "redundant" if len(pa) < len(pb) and pb[: len(pa)] == pa else None


def overlapping_indexes(facts: Facts) -> list[tuple[dict[str, Any], dict[str, Any], str]]:
    """(index to drop, index that covers it, "duplicate" | "redundant"), never leaving a table without support."""
    by_table: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for index in facts.get("indexes", []):
        if str(index["index_type"]).upper() == "BTREE":
            by_table[(index["schema"], index["table"])].append(index)
    found = []
    for indexes in by_table.values():
        dropped: set[str] = set()
        for a in sorted(indexes, key=lambda i: i["name"]):
            for b in indexes:
                kind = _covers(a, b) if a is not b and b["name"] not in dropped else None
                remaining = [i for i in indexes if i is not a and i["name"] not in dropped]
                if kind and droppable(a, remaining, facts):
                    found.append((a, b, kind))
                    dropped.add(a["name"])
                    break
    return found


def duplicate_and_redundant(facts: Facts, limits: Thresholds) -> list[Finding]:
    return [Finding(
        id=f"indexes.{kind}", family="indexes", severity="medium" if kind == "duplicate" else "low",
        object=f"{_q(drop['schema'], drop['table'])}.`{drop['name']}`",
        title=(f"index {drop['name']} ({drop['parts']}) on {drop['schema']}.{drop['table']} "
               + ("duplicates " if kind == "duplicate" else "is a leading part of ") + f"{keep['name']} "
               f"({keep['parts']})"),
        evidence={"index": drop["name"], "columns": drop["parts"], "covered_by": keep["name"],
                  "covered_by_columns": keep["parts"]},
        fix=f"ALTER TABLE {_q(drop['schema'], drop['table'])} DROP INDEX `{drop['name']}`{_online(facts)};",
    ) for drop, keep, kind in overlapping_indexes(facts)]


def unused_indexes(facts: Facts, limits: Thresholds) -> list[Finding]:
    usage = facts.get("index_usage")
    if usage is None:
        return []
    uptime = _num(status(facts).get("uptime"))
    min_uptime = getattr(limits, "min_uptime_s", MySQLThresholds().min_uptime_s)
    reads = {(u["schema"], u["table"], u["name"]): int(u["read_count"] or 0) for u in usage}
    already = {(d["schema"], d["table"], d["name"]) for d, _k, _w in overlapping_indexes(facts)}
    by_table: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for index in facts.get("indexes", []):
        by_table[(index["schema"], index["table"])].append(index)
    candidates = [i for i in facts.get("indexes", [])
                  if reads.get((i["schema"], i["table"], i["name"]), 0) == 0
                  and (i["schema"], i["table"], i["name"]) not in already
                  and droppable(i, [o for o in by_table[(i["schema"], i["table"])] if o is not i], facts)]
    if not candidates:
        return []
    if uptime < min_uptime:
        return [Finding(
            id="indexes.unused_too_early", family="indexes", severity="info", object=None,
            title=f"{len(candidates)} indexes have not been read, but the server has run only {uptime / 3600:,.1f} h",
            evidence={"uptime_s": int(uptime), "needs_s": int(min_uptime),
                      "indexes": ", ".join(f"{i['table']}.{i['name']}" for i in candidates[:20])},
            fix="check again after a full business cycle (a week, a month-end) of normal traffic",
        )]
    return [Finding(
        id="indexes.unused", family="indexes", severity="low",
        object=f"{_q(i['schema'], i['table'])}.`{i['name']}`",
        title=f"index {i['name']} on {i['schema']}.{i['table']} has not been read since the server started",
        evidence={"reads": 0, "columns": i["parts"], "uptime_s": int(uptime)},
        fix=(f"ALTER TABLE {_q(i['schema'], i['table'])} ALTER INDEX `{i['name']}` INVISIBLE;  -- MySQL 8 "
             f"(MariaDB 10.6+: IGNORED) first, to test; then DROP INDEX `{i['name']}`{_online(facts)}"),
    ) for i in candidates]


# -- performance, activity, configuration, reliability, security -------------------------------------------------


def buffer_pool(facts: Facts, limits: Thresholds) -> list[Finding]:
    found: list[Finding] = []
    st, var = status(facts), variables(facts)
    requests, reads = _num(st.get("innodb_buffer_pool_read_requests")), _num(st.get("innodb_buffer_pool_reads"))
    min_requests = getattr(limits, "min_read_requests", 10_000)
    if requests >= min_requests and 1 - reads / requests < limits.cache_hit_ratio:
        found.append(Finding(
            id="performance.buffer_pool_hit_ratio", family="performance", severity="medium", object=None,
            title=f"InnoDB buffer pool hit ratio is {1 - reads / requests:.2%}",
            evidence={"read_requests": int(requests), "disk_reads": int(reads),
                      "innodb_buffer_pool_size": var.get("innodb_buffer_pool_size")},
            fix="SET GLOBAL innodb_buffer_pool_size = <about 70% of RAM on a dedicated server>;  -- resizable "
                "online; also in my.cnf",
        ))
    pool = _num(var.get("innodb_buffer_pool_size"))
    data = sum(_num(t["data_bytes"]) + _num(t["index_bytes"]) for t in facts.get("tables", [])
               if (t["engine"] or "").lower() == "innodb")
    if pool and data > pool:
        found.append(Finding(
            id="performance.buffer_pool_small", family="performance", severity="low", object=None,
            title=f"InnoDB data and indexes ({data / 1024**2:,.0f} MB) exceed the buffer pool "
                  f"({pool / 1024**2:,.0f} MB)",
            evidence={"data_and_index_bytes": int(data), "innodb_buffer_pool_size": int(pool)},
            fix="SET GLOBAL innodb_buffer_pool_size = <the hot data, up to ~70% of RAM>;  -- fine when only a small "
                "part of the data is hot",
        ))
    return found


def long_transactions(facts: Facts, limits: Thresholds) -> list[Finding]:
    found = [Finding(
        id="activity.long_transaction", family="activity", severity="high", object=f"thread {t['thread_id']}",
        title=f"transaction open for {int(t['age_s']):,} s (thread {t['thread_id']})",
        evidence={"age_s": int(t["age_s"]), "state": t["state"], "rows_modified": t["rows_modified"],
                  "query": t["query"]},
        fix=f"KILL {int(t['thread_id'])};  -- after checking with its owner: it holds locks and old row versions",
    ) for t in facts.get("transactions", []) if _num(t["age_s"]) >= limits.long_query_s]
    history = _num(status(facts).get("innodb_history_list_length"), -1)
    if history >= getattr(limits, "history_list_length", 100_000):
        found.append(Finding(
            id="activity.history_list_length", family="activity", severity="high" if history >= 1e6 else "medium",
            object=None, title=f"InnoDB history list length is {history:,.0f}: purge is behind",
            evidence={"history_list_length": int(history), "open_transactions": len(facts.get("transactions", []))},
            fix="find and end the oldest open transaction (information_schema.INNODB_TRX); long read transactions "
                "keep every old row version alive",
        ))
    return found


def connection_use(facts: Facts, limits: Thresholds) -> list[Finding]:
    st, var = status(facts), variables(facts)
    peak, allowed = _num(st.get("max_used_connections")), _num(var.get("max_connections"))
    if not allowed or peak / allowed < limits.connection_use:
        return []
    return [Finding(
        id="activity.connection_use", family="activity", severity="high" if peak >= allowed else "medium",
        object=None, title=f"connections peaked at {peak:,.0f} of max_connections {allowed:,.0f}",
        evidence={"max_used_connections": int(peak), "max_connections": int(allowed),
                  "threads_connected": st.get("threads_connected")},
        fix="use a connection pool (ProxySQL, the application's pool) before raising max_connections",
    )]


def risky_settings(facts: Facts, limits: Thresholds) -> list[Finding]:
    var = variables(facts)
    found = []
    flush = var.get("innodb_flush_log_at_trx_commit")
    if flush is not None and flush != "1":
        found.append(Finding(
            id="reliability.flush_log_at_trx_commit", family="reliability", severity="high", object=None,
            title=f"innodb_flush_log_at_trx_commit = {flush}: a crash can lose about a second of commits",
            evidence={"innodb_flush_log_at_trx_commit": flush},
            fix="SET GLOBAL innodb_flush_log_at_trx_commit = 1;  -- and in my.cnf; durable commits",
        ))
    if var.get("log_bin", "OFF").upper() == "ON" and var.get("sync_binlog") not in (None, "1"):
        found.append(Finding(
            id="reliability.sync_binlog", family="reliability", severity="medium", object=None,
            title=f"sync_binlog = {var.get('sync_binlog')}: the binary log may lose commits in a crash",
            evidence={"sync_binlog": var.get("sync_binlog"), "log_bin": var.get("log_bin")},
            fix="SET GLOBAL sync_binlog = 1;  -- and in my.cnf; replicas and point-in-time recovery need it",
        ))
    return found


def replication(facts: Facts, limits: Thresholds) -> list[Finding]:
    found = []
    for r in facts.get("replication", []):
        io = r.get("Slave_IO_Running", r.get("Replica_IO_Running"))
        sql = r.get("Slave_SQL_Running", r.get("Replica_SQL_Running"))
        lag = r.get("Seconds_Behind_Master", r.get("Seconds_Behind_Source"))
        name = r.get("Connection_name") or r.get("Channel_Name") or "default"
        if io != "Yes" or sql != "Yes":
            found.append(Finding(
                id="reliability.replication_stopped", family="reliability", severity="critical", object=name,
                title=f"replication is not running (IO {io}, SQL {sql})",
                evidence={"io_running": io, "sql_running": sql, "last_error": r.get("Last_Error") or None},
                fix="SHOW REPLICA STATUS\\G — fix the error it names, then START REPLICA;",
            ))
        elif lag is not None and _num(lag) >= limits.replica_lag_s:
            found.append(Finding(
                id="reliability.replication_lag", family="reliability", severity="high", object=name,
                title=f"this replica is {int(_num(lag)):,} s behind its primary",
                evidence={"seconds_behind": int(_num(lag))},
                fix="check the replica's SQL thread (long transactions, missing PKs on row-based replication)",
            ))
    return found


def accounts(facts: Facts, limits: Thresholds) -> list[Finding]:
    found = []
    for a in facts.get("accounts", []):
        if a["user"] in SYSTEM_USERS:
            continue
        who = f"'{a['user']}'@'{a['host']}'"
        if a["no_password"]:
            found.append(Finding(
                id="security.account_without_password", family="security", severity="critical", object=who,
                title=f"account {who} has no password", evidence={"plugin": a["plugin"], "host": a["host"]},
                fix=f"ALTER USER {who} IDENTIFIED BY '<a strong password>';  -- or DROP USER {who};",
            ))
        if a["host"] == "%":
            found.append(Finding(
                id="security.account_any_host", family="security", severity="high" if a["super"] else "medium",
                object=who, title=f"account {who} may log in from any host",
                evidence={"host": "%", "super": bool(a["super"])},
                fix=f"RENAME USER {who} TO '{a['user']}'@'10.0.0.%';  -- the application's network only",
            ))
        if a["super"] and a["user"] != "root":
            found.append(Finding(
                id="security.account_super", family="security", severity="medium", object=who,
                title=f"account {who} has SUPER", evidence={"super": True},
                fix=f"REVOKE SUPER ON *.* FROM {who};  -- grant the narrower privileges it needs",
            ))
    return found


def tls(facts: Facts, limits: Thresholds) -> list[Finding]:
    var = variables(facts)
    have = var.get("have_ssl")
    if have is None:
        return []
    if have.upper() != "YES":
        return [Finding(
            id="security.ssl_off", family="security", severity="high", object=None,
            title=f"TLS is not available on this server (have_ssl = {have})", evidence={"have_ssl": have},
            fix="set ssl_cert, ssl_key (and ssl_ca) in my.cnf and restart; then require_secure_transport = ON",
        )]
    if var.get("require_secure_transport", "OFF").upper() != "ON":
        return [Finding(
            id="security.ssl_not_required", family="security", severity="low", object=None,
            title="TLS is available but not required", evidence={"require_secure_transport": "OFF"},
            fix="SET GLOBAL require_secure_transport = ON;  -- once every client connects with TLS",
        )]
    return []


RULES = [missing_primary_key, auto_increment_near_limit, collation_mismatch, duplicate_and_redundant,
         unused_indexes, buffer_pool, long_transactions, connection_use, risky_settings, replication, accounts, tls]


def _ids(findings: list[Finding], *rules: str) -> list[str]:
    return [f"{f.id}:{f.object}" for f in findings if f.id in rules]


def scorecard(findings: list[Finding], facts: Facts, limits: Thresholds) -> list[ScoreItem]:
    """The same checklist as PostgreSQL's, answered from MySQL facts."""
    tables = facts.get("tables")
    missing = _ids(findings, "schema.missing_primary_key")
    items = [
        ScoreItem(key="pks", label="PKs everywhere", status="unknown" if tables is None else
                  "fail" if missing else "pass", finding_ids=missing,
                  why="the table list could not be read" if tables is None else
                  f"{len(missing)} of {len(tables)} tables have no primary key" if missing else
                  f"all {len(tables)} tables have one"),
        ScoreItem(key="fks", label="FKs indexed", status="pass",
                  why="InnoDB creates an index for every foreign key that lacks one"),
        _p95(findings, facts, limits),
        _index_coverage(facts),
        ScoreItem(key="pooling", label="pooling", status="fail" if _ids(findings, "activity.connection_use")
                  else "unknown", finding_ids=_ids(findings, "activity.connection_use"),
                  why="no pooler is visible from the server; connection use "
                      f"{status(facts).get('max_used_connections', '?')} of "
                      f"{variables(facts).get('max_connections', '?')} at peak"),
        ScoreItem(key="reversible_migrations", label="reversible migrations", status="unknown",
                  why="whether each migration has a working down step lives in the code, not the database"),
        _backups(findings, facts),
        ScoreItem(key="ssl", label="SSL", status="pass" if not _ids(findings, "security.ssl_off",
                                                                     "security.ssl_not_required")
                  and "have_ssl" in variables(facts) else "fail" if "have_ssl" in variables(facts) else "unknown",
                  finding_ids=_ids(findings, "security.ssl_off", "security.ssl_not_required"),
                  why=f"have_ssl = {variables(facts).get('have_ssl', '?')}, require_secure_transport = "
                      f"{variables(facts).get('require_secure_transport', '?')}"),
        _monitoring(facts),
    ]
    return items


def _p95(findings: list[Finding], facts: Facts, limits: Thresholds) -> ScoreItem:
    statements = sorted(facts.get("statements") or [], key=lambda s: -_num(s["mean_ms"]))
    total = sum(int(s["calls"]) for s in statements)
    if "statements" not in facts or not total:
        return ScoreItem(key="p95", label="p95 < 100 ms", status="unknown",
                         why="performance_schema's statement digests are not available or empty")
    seen = 0
    estimate = _num(statements[-1]["mean_ms"])
    for s in statements:
        seen += int(s["calls"])
        if seen >= 0.05 * total:
            estimate = _num(s["mean_ms"])
            break
    return ScoreItem(key="p95", label="p95 < 100 ms", status="pass" if estimate < limits.slow_mean_ms else "fail",
                     why=f"estimated p95 ≈ {estimate:,.1f} ms (digest means weighted by calls)")


def _index_coverage(facts: Facts) -> ScoreItem:
    statements = facts.get("statements")
    if not statements:
        return ScoreItem(key="index_coverage", label="index coverage > 95%", status="unknown",
                         why="no statement digests to count full scans from")
    calls = sum(int(s["calls"]) for s in statements)
    no_index = sum(int(s["no_index_used"] or 0) for s in statements)
    share = 1 - no_index / calls if calls else 1.0
    return ScoreItem(key="index_coverage", label="index coverage > 95%", status="pass" if share >= 0.95 else "fail",
                     why=f"{share:.1%} of {calls:,} statement executions used an index (performance_schema "
                         "no_index_used)")


def _backups(findings: list[Finding], facts: Facts) -> ScoreItem:
    log_bin = variables(facts).get("log_bin")
    return ScoreItem(key="backups", label="backups", status="unknown",
                     why=f"log_bin = {log_bin or '?'} (point-in-time recovery needs it); dumps or snapshots taken "
                         "elsewhere do not show in the server")


def _monitoring(facts: Facts) -> ScoreItem:
    var = variables(facts)
    ps = var.get("performance_schema", "?")
    slow = var.get("slow_query_log", "?")
    status_ = "pass" if ps.upper() == "ON" else "fail"
    return ScoreItem(key="monitoring", label="monitoring", status=status_,
                     why=f"performance_schema = {ps}, slow_query_log = {slow}")
