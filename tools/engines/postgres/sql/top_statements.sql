-- The heaviest statements of this database from pg_stat_statements (PostgreSQL 13+ column names).
-- {order} is filled from a fixed list in postgres_stats.py, never from user text.
SELECT s.queryid, left(s.query, 2000) AS query, r.rolname AS role,
       s.calls, s.rows,
       s.total_exec_time AS total_ms, s.mean_exec_time AS mean_ms, s.stddev_exec_time AS stddev_ms,
       s.min_exec_time AS min_ms, s.max_exec_time AS max_ms,
       s.shared_blks_hit, s.shared_blks_read, s.shared_blks_dirtied, s.shared_blks_written,
       s.local_blks_hit, s.local_blks_read, s.temp_blks_read, s.temp_blks_written
FROM pg_stat_statements s
LEFT JOIN pg_roles r ON r.oid = s.userid
WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  -- utility statements only when asked for (stats.py DML_PATTERN); another role's text this login may not read
  -- could be either, so it stays
  AND (%(utility)s OR s.query ~* %(dml)s OR s.query = '<insufficient privilege>')
ORDER BY {order} DESC NULLS LAST, s.queryid
LIMIT %(limit)s
