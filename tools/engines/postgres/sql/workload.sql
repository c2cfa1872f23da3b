-- The advisor's default workload: this database's heaviest statements in pg_stat_statements, top-level only,
-- without utility commands and without dbsage's own catalog/statistics/hypopg queries.
SELECT s.queryid::text AS id, s.query, s.calls, s.total_exec_time AS total_ms
FROM pg_stat_statements s
WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND s.toplevel
      AND s.query ~* '^\s*(\(\s*)*(select|with)\M'
      AND s.query !~* '\m(pg_catalog|information_schema|pg_stat_\w+|hypopg_\w+|pg_class|pg_index|pg_namespace)\M'
ORDER BY CASE WHEN %(weight_by)s = 'time' THEN s.total_exec_time ELSE s.calls END DESC
LIMIT %(limit)s
