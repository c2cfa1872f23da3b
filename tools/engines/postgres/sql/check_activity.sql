-- Client sessions other than this one, with ages in seconds and who blocks whom.
SELECT a.pid, a.usename AS username, a.application_name, a.client_addr::text AS client_addr, a.state,
       a.wait_event_type, a.wait_event,
       extract(epoch FROM now() - a.query_start) AS query_age_s,
       extract(epoch FROM now() - a.xact_start) AS xact_age_s,
       extract(epoch FROM now() - a.state_change) AS state_age_s,
       pg_blocking_pids(a.pid) AS blocked_by,
       left(a.query, 300) AS query, a.datname AS database
FROM pg_stat_activity a
WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()
