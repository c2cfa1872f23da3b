-- How many client sessions (this one excluded) are in each state, and the server's connection limit.
SELECT count(*) AS sessions,
       count(*) FILTER (WHERE state = 'active') AS active,
       count(*) FILTER (WHERE state = 'idle') AS idle,
       count(*) FILTER (WHERE state LIKE 'idle in transaction%%') AS idle_in_transaction,
       current_setting('max_connections')::int AS max_connections
FROM pg_stat_activity
WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
