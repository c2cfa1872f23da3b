-- Standbys streaming from this server (primary side), and this server's own replay delay when it is a standby.
SELECT application_name AS name, client_addr::text AS client_addr, state,
       extract(epoch FROM replay_lag) AS replay_lag_s,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint AS behind_bytes, false AS is_self
FROM pg_stat_replication WHERE NOT pg_is_in_recovery()
UNION ALL
SELECT 'this server (standby)', NULL, 'replaying',
       extract(epoch FROM now() - pg_last_xact_replay_timestamp()), NULL, true
WHERE pg_is_in_recovery()
