-- Per-statement timings of this database from pg_stat_statements, heaviest callers first (bounded).
SELECT s.queryid, left(s.query, 300) AS query, s.calls, s.mean_exec_time AS mean_ms,
       s.stddev_exec_time AS stddev_ms, s.total_exec_time AS total_ms, s.temp_blks_written
FROM pg_stat_statements s
WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY s.total_exec_time DESC
LIMIT 5000
