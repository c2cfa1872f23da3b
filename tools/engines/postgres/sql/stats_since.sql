-- Since when this database's usage counters (idx_scan, seq_scan) have counted: the later of the last statistics
-- reset and the server's start (the database's creation, when readable, is read apart: database_created.sql).
SELECT greatest(s.stats_reset, pg_postmaster_start_time()) AS since, now() AS now
FROM pg_stat_database s WHERE s.datname = current_database()
