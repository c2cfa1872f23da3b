-- This database's counters, and every database's transaction-ID age (wraparound is cluster-wide).
SELECT d.datname AS name, d.datname = current_database() AS current, age(d.datfrozenxid) AS xid_age,
       s.blks_hit, s.blks_read, s.temp_files, s.temp_bytes, s.deadlocks, s.numbackends, s.stats_reset,
       (SELECT pg_postmaster_start_time()) AS started, now() AS checked_at,
       -- When this database was created (a restore into a new database starts its index counters at 0 on a
       -- server that has run for months): PG_VERSION's time. pg_stat_file is a superuser's unless granted.
       CASE WHEN d.datname = current_database() AND has_function_privilege('pg_stat_file(text, boolean)', 'EXECUTE')
            THEN (pg_stat_file('base/' || d.oid || '/PG_VERSION', true)).modification END AS created
FROM pg_database d
LEFT JOIN pg_stat_database s ON s.datid = d.oid
WHERE d.datallowconn
