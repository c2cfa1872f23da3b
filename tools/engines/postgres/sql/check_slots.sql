-- Replication slots and the WAL each one holds back.
SELECT slot_name AS name, slot_type, active, wal_status::text AS wal_status,
       CASE WHEN pg_is_in_recovery() OR restart_lsn IS NULL THEN NULL
            ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint END AS retained_bytes
FROM pg_replication_slots
