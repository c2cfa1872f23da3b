"""Which knowledge document explains each checkup finding and explain insight: rule id → document id, in one place.

tools/checks and tools/explain fill their models' `kb` field from here, so a finding's JSON carries the id a user
reads with `dbsage kb show ID` (and a model cites as [kb:ID]). A test checks every id below exists in the corpus.
No imports: the check and explain models load this on their own import path.
"""

from __future__ import annotations

RULE_DOCS: dict[str, str] = {
    # checkup findings (tools/checks)
    "activity.blocked_session": "pg-blocked-sessions",
    "activity.connection_use": "pg-connection-use",
    "activity.history_list_length": "mysql-history-list-length",
    "activity.idle_in_transaction": "pg-idle-in-transaction",
    "activity.long_running_query": "pg-long-running-queries",
    "activity.long_transaction": "long-running-transactions",
    "configuration.pg_stat_statements_missing": "pg-stat-statements-setup",
    "configuration.random_page_cost": "pg-random-page-cost",
    "configuration.slow_query_logging_off": "pg-slow-query-logging",
    "indexes.bloated": "pg-index-bloat",
    "indexes.duplicate": "pg-duplicate-redundant-indexes",
    "indexes.redundant": "pg-duplicate-redundant-indexes",
    "indexes.heavy_seq_scans": "pg-heavy-seq-scans",
    "indexes.invalid": "pg-invalid-indexes",
    "indexes.unused": "pg-unused-indexes",
    "indexes.unused_too_early": "pg-unused-indexes",
    "maintenance.analyze_needed": "pg-analyze-statistics",
    "maintenance.autovacuum_disabled": "pg-autovacuum-tuning",
    "maintenance.sequence_near_max": "pg-sequence-near-max",
    "maintenance.table_bloat": "pg-table-bloat",
    "maintenance.vacuum_needed": "pg-vacuum-basics",
    "maintenance.xid_wraparound": "pg-xid-wraparound",
    "performance.buffer_pool_hit_ratio": "mysql-buffer-pool",
    "performance.buffer_pool_small": "mysql-buffer-pool",
    "performance.cache_hit_ratio": "pg-cache-hit-ratio",
    "performance.checkpoint_pressure": "pg-checkpoint-pressure",
    "performance.slow_statement": "pg-stat-statements-reading",
    "performance.temp_files": "pg-temp-files",
    "reliability.archiving_failing": "pg-wal-archiving-pitr",
    "reliability.no_wal_archiving": "pg-wal-archiving-pitr",
    "reliability.flush_log_at_trx_commit": "mysql-durability-flush-log-sync-binlog",
    "reliability.sync_binlog": "mysql-durability-flush-log-sync-binlog",
    "reliability.replica_lag": "pg-replica-lag",
    "reliability.replication_lag": "mysql-replication-lag-semisync",
    "reliability.replication_stopped": "mysql-replication-binlog-gtid",
    "reliability.replication_slot": "pg-replication-slots",
    "schema.auto_increment_near_limit": "mysql-auto-increment-exhaustion",
    "schema.collation_mismatch": "mysql-charset-collation-mismatch",
    "schema.fk_without_index": "pg-fk-without-index",
    "schema.missing_primary_key": "pg-missing-primary-key",
    "security.account_any_host": "mysql-account-security-and-ssl",
    "security.account_super": "mysql-account-security-and-ssl",
    "security.account_without_password": "mysql-account-security-and-ssl",
    "security.ssl_not_required": "mysql-account-security-and-ssl",
    "security.dbsage_superuser": "pg-monitoring-role",
    "security.extra_superusers": "pg-extra-superusers",
    "security.password_without_expiry": "pg-password-expiry",
    "security.public_create": "pg-public-schema-create",
    "security.ssl_off": "pg-ssl-and-hba",
    # explain insights (tools/explain)
    "count_as_existence": "pg-count-as-existence",
    "function_on_indexed_column": "pg-function-on-indexed-column",
    "implicit_cast": "pg-implicit-cast",
    "index_filter_removes_most": "pg-index-filter-removes-most",
    "lossy_bitmap": "pg-lossy-bitmap",
    "missing_parallelism": "pg-parallel-query",
    "parallel_workers_not_launched": "pg-parallel-query",
    "nested_loop_many_iterations": "pg-nested-loop-many-iterations",
    "not_in_nullable_subquery": "pg-not-in-nullable-subquery",
    "offset_pagination": "pg-offset-pagination",
    "row_misestimate": "pg-row-misestimate",
    "seq_scan_selective": "pg-seq-scan-selective",
    "spill_to_disk": "pg-spill-to-disk",
    "mysql_charset_conversion": "mysql-charset-collation-mismatch",
    "mysql_composite_prefix_only": "mysql-covering-indexes",
    "mysql_count_existence_check": "exists-vs-in",
    "mysql_filesort": "mysql-explain-plan-warnings",
    "mysql_full_table_scan": "mysql-explain-plan-warnings",
    "mysql_function_on_indexed_column": "pg-function-on-indexed-column",
    "mysql_implicit_conversion": "mysql-charset-collation-mismatch",
    "mysql_join_buffer": "joins-types-and-algorithms",
    "mysql_leading_wildcard": "pg-like-prefix-pattern-ops",
    "mysql_offset_pagination": "keyset-pagination",
    "mysql_or_across_columns": "or-vs-union",
    "mysql_rows_examined_vs_returned": "mysql-explain-json-and-analyze",
}


def doc_for_rule(rule_id: str) -> str | None:
    """The id of the document that explains a finding or insight, or None when no document covers it yet."""
    return RULE_DOCS.get(rule_id)
