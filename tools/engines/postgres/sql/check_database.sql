-- This database's counters, and every database's transaction-ID age (wraparound is cluster-wide).
SELECT d.datname AS name, d.datname = current_database() AS current, age(d.datfrozenxid) AS xid_age,
       s.blks_hit, s.blks_read, s.temp_files, s.temp_bytes, s.deadlocks, s.numbackends, s.stats_reset,
       (SELECT pg_postmaster_start_time()) AS started, now() AS checked_at
FROM pg_database d
LEFT JOIN pg_stat_database s ON s.datid = d.oid
WHERE d.datallowconn
