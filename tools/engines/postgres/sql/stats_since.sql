-- Since when this database's usage counters (idx_scan, seq_scan) have counted: the latest of the last statistics
-- reset, the server's start, and the database's creation (PG_VERSION's time: a restore into a new database starts
-- at 0 on a server that has run for months; pg_stat_file is a superuser's unless granted, else left out).
SELECT since, extract(epoch FROM now() - since) / 86400 AS days
FROM (SELECT greatest(s.stats_reset, pg_postmaster_start_time(),
                      CASE WHEN has_function_privilege('pg_stat_file(text, boolean)', 'EXECUTE')
                           THEN (pg_stat_file('base/' || s.datid || '/PG_VERSION', true)).modification END) AS since
      FROM pg_stat_database s WHERE s.datname = current_database()) AS d
