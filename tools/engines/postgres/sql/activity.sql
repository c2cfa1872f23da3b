-- Client sessions doing something now (not idle), this one excluded, plus any session blocking one of them: ages in
-- seconds, the sessions each waits for (pg_blocking_pids) and the lock it has not been granted. Longest transaction
-- first. Without pg_monitor (or superuser), other users' query text reads '<insufficient privilege>'.
WITH busy AS (
  SELECT a.* FROM pg_stat_activity a
  WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()
    AND (a.state IS DISTINCT FROM 'idle'
         OR a.pid IN (SELECT unnest(pg_blocking_pids(b.pid)) FROM pg_stat_activity b))
)
SELECT a.pid, a.usename AS username, a.datname AS database, a.application_name, a.client_addr::text AS client_addr,
       coalesce(a.state, 'unknown') AS state,
       CASE WHEN a.wait_event_type IS NOT NULL THEN a.wait_event_type || ': ' || a.wait_event END AS wait,
       extract(epoch FROM clock_timestamp() - a.query_start)::float8 AS query_age_s,
       extract(epoch FROM clock_timestamp() - a.xact_start)::float8 AS xact_age_s,
       extract(epoch FROM clock_timestamp() - a.state_change)::float8 AS state_age_s,
       pg_blocking_pids(a.pid) AS blocked_by,
       left(a.query, 2000) AS query,
       (SELECT l.mode || ' on ' || CASE WHEN l.relation IS NOT NULL THEN l.relation::regclass::text
                                        ELSE l.locktype END
          FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted LIMIT 1) AS waiting_for
FROM busy a
ORDER BY a.xact_start NULLS LAST, a.query_start NULLS LAST
LIMIT %(limit)s
