-- The heaviest statements from performance_schema's digest summary (timer columns are picoseconds).
SELECT d.SCHEMA_NAME AS `schema`, d.DIGEST AS digest, LEFT(d.DIGEST_TEXT, 2000) AS query, d.COUNT_STAR AS calls,
       d.SUM_TIMER_WAIT / 1e9 AS total_ms, d.AVG_TIMER_WAIT / 1e9 AS mean_ms, d.MAX_TIMER_WAIT / 1e9 AS max_ms,
       d.SUM_LOCK_TIME / 1e9 AS lock_ms, d.SUM_ROWS_SENT AS rows_sent, d.SUM_ROWS_EXAMINED AS rows_examined,
       d.SUM_ROWS_AFFECTED AS rows_affected, d.SUM_NO_INDEX_USED AS no_index_used,
       d.SUM_NO_GOOD_INDEX_USED AS no_good_index_used, d.SUM_CREATED_TMP_TABLES AS tmp_tables,
       d.SUM_CREATED_TMP_DISK_TABLES AS tmp_disk_tables, d.SUM_SORT_ROWS AS sort_rows,
       d.SUM_SELECT_FULL_JOIN AS full_joins, d.SUM_ERRORS AS errors, d.FIRST_SEEN AS first_seen,
       d.LAST_SEEN AS last_seen
FROM performance_schema.events_statements_summary_by_digest d
WHERE d.DIGEST_TEXT IS NOT NULL
  AND (d.SCHEMA_NAME IS NULL OR d.SCHEMA_NAME NOT IN ('performance_schema', 'information_schema', 'mysql', 'sys'))
  -- session housekeeping and catalog reads (dbsage's own among them) are not the application's load
  AND d.DIGEST_TEXT NOT REGEXP '^(SET|SHOW|START TRANSACTION|ROLLBACK|COMMIT|EXPLAIN|ANALYZE|DO|SELECT (@@|VERSION|DATABASE))'
  AND d.DIGEST_TEXT NOT LIKE '%%information_schema%%' AND d.DIGEST_TEXT NOT LIKE '%%performance_schema%%'
ORDER BY {order} DESC
LIMIT %(limit)s
