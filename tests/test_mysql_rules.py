"""MySQL check rules and index candidates as pure functions: table-driven cases that a live server cannot easily
stage (a replica, history list length, an account from any host, a foreign key's only index)."""

from __future__ import annotations

from typing import Any

import pytest

from dbsage.tools.advisor.mysql_candidates import MySQLIndex, bind_placeholders, key_part
from dbsage.tools.checks.mysql_rules import RULES, MySQLThresholds, overlapping_indexes, scorecard
from dbsage.tools.guard.dialect import foreign_construct


def _index(table: str, name: str, parts: str, unique: bool = False) -> dict[str, Any]:
    return {"schema": "app", "table": table, "name": name, "parts": parts, "is_unique": unique, "index_type": "BTREE"}


def _fk(table: str, columns: str) -> dict[str, Any]:
    return {"schema": "app", "table": table, "name": f"{table}_fk", "columns": columns, "ref_schema": "app",
            "ref_table": "users", "ref_columns": "id"}


def _findings(facts: dict[str, list[dict[str, Any]]]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for rule in RULES:
        for finding in rule(facts, MySQLThresholds(min_uptime_s=0)):
            found.setdefault(finding.id, []).append(finding)
    return found


def test_never_drops_a_unique_index_or_a_foreign_keys_only_support() -> None:
    facts = {"indexes": [_index("t", "PRIMARY", "id", True), _index("t", "t_id_dup", "id"),
                         _index("t", "t_email_key", "email", True), _index("t", "t_email", "email"),
                         _index("t", "t_user", "user_id"), _index("t", "t_user_created", "user_id,created_at")],
             "foreign_keys": [_fk("t", "user_id")]}
    pairs = {(drop["name"], keep["name"], kind) for drop, keep, kind in overlapping_indexes(facts)}
    assert pairs == {("t_id_dup", "PRIMARY", "duplicate"), ("t_email", "t_email_key", "duplicate"),
                     ("t_user", "t_user_created", "redundant")}  # the FK keeps t_user_created


def test_foreign_keys_last_index_is_kept_and_not_called_unused() -> None:
    facts = {"indexes": [_index("t", "PRIMARY", "id", True), _index("t", "t_user", "user_id")],
             "foreign_keys": [_fk("t", "user_id")], "index_usage": [],
             "status": [{"name": "Uptime", "value": "999999"}]}
    assert overlapping_indexes(facts) == []
    assert "indexes.unused" not in _findings(facts)


@pytest.mark.parametrize(("facts", "rule", "severity"), [
    ({"status": [{"name": "Innodb_history_list_length", "value": "2500000"}]}, "activity.history_list_length",
     "high"),
    ({"replication": [{"Slave_IO_Running": "Yes", "Slave_SQL_Running": "No", "Seconds_Behind_Master": None,
                       "Last_Error": "Duplicate entry"}]}, "reliability.replication_stopped", "critical"),
    ({"replication": [{"Replica_IO_Running": "Yes", "Replica_SQL_Running": "Yes", "Seconds_Behind_Source": 600}]},
     "reliability.replication_lag", "high"),
    ({"accounts": [{"user": "app", "host": "%", "plugin": "caching_sha2_password", "no_password": 0, "super": 1,
                    "ssl_type": ""}]}, "security.account_any_host", "high"),
    ({"variables": [{"name": "log_bin", "value": "ON"}, {"name": "sync_binlog", "value": "0"}]},
     "reliability.sync_binlog", "medium"),
    ({"variables": [{"name": "max_connections", "value": "100"}],
      "status": [{"name": "Max_used_connections", "value": "100"}]}, "activity.connection_use", "high"),
    ({"tables": [{"schema": "app", "name": "t", "engine": "InnoDB", "row_estimate": 10, "data_bytes": 1,
                  "index_bytes": 1, "has_primary_key": 1, "has_unique": 0, "auto_increment": 240,
                  "auto_column": "id", "auto_type": "tinyint unsigned", "collation": "utf8mb4_general_ci"}]},
     "schema.auto_increment_near_limit", "high"),
])
def test_each_rule_fires_on_its_facts_with_evidence_and_fix(facts: dict[str, Any], rule: str,
                                                            severity: str) -> None:
    found = _findings(facts)[rule]
    assert found[0].severity == severity and found[0].evidence and found[0].fix


def test_scorecard_is_unknown_without_facts() -> None:
    card = {s.key: s.status for s in scorecard([], {}, MySQLThresholds())}
    assert card["pks"] == "unknown" and card["p95"] == "unknown" and card["ssl"] == "unknown"


@pytest.mark.parametrize(("column_type", "part"), [
    ("varchar(64)", "c"), ("varchar(1000)", "c(191)"), ("text", "c(191)"), ("mediumblob", "c(191)"),
    ("json", None), ("int", "c"),
])
def test_long_strings_get_prefix_keys(column_type: str, part: str | None) -> None:
    assert key_part("c", column_type) == part


def test_index_ddl_is_online_and_quoted() -> None:
    index = MySQLIndex(schema_name="app", table="posts", parts=("status", "body(191)"))
    assert index.create_sql() == ("ALTER TABLE `app`.`posts` ADD INDEX `posts_status_body_idx` (`status`, "
                                  "`body`(191)), ALGORITHM=INPLACE, LOCK=NONE;")
    assert index.drop_sql(online=False) == "ALTER TABLE `app`.`posts` DROP INDEX `posts_status_body_idx`;"


def test_digest_placeholders_become_plannable_values() -> None:
    bound = bind_placeholders("SELECT * FROM `orders` WHERE `status` = ? AND `id` IN (...) LIMIT ?".replace(
        "IN (...)", "IN (?, ?)"), lambda _t, column: "pending" if column == "status" else None)
    assert bound == "SELECT * FROM `orders` WHERE `status` = 'pending' AND `id` IN (1, 1) LIMIT 20"


@pytest.mark.parametrize(("sql", "target", "construct"), [
    ("SELECT id::text FROM t", "mysql", "the :: cast"),
    ("SELECT DISTINCT ON (a) a FROM t", "mysql", "DISTINCT ON"),
    ("SELECT a FROM t WHERE b ILIKE 'x%'", "mysql", "ILIKE"),
    ("SELECT `a` FROM t", "postgres", "backtick-quoted identifiers"),
    ("SELECT a FROM t LIMIT 10, 20", "postgres", "LIMIT offset, count"),
    ("SELECT a FROM t WHERE s = 'x::y'", "mysql", None),  # inside a string: not syntax
    ("SELECT a FROM t", "postgres", None),
])
def test_foreign_dialect_constructs_are_named(sql: str, target: str, construct: str | None) -> None:
    found = foreign_construct(sql, target)
    assert (found[0] if found else None) == construct


def test_mysql_workload_text_is_split_with_mysql_rules() -> None:
    from dbsage.tools.advisor.mysql_candidates import split_statements

    parts = split_statements("SELECT `a` FROM t WHERE s = 'it\\'s; not the end'; SELECT 2;")
    assert len(parts) == 2 and "not the end" in parts[0]
