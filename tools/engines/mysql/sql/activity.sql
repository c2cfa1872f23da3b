-- Sessions doing something now, this one excluded: running a command, or asleep inside an open InnoDB transaction
-- (idle in transaction). Oldest transaction first. Without the PROCESS privilege a login sees only its own sessions.
SELECT p.ID AS pid, p.USER AS username, p.DB AS db, p.HOST AS client, p.COMMAND AS command, p.STATE AS pstate,
       p.TIME AS time_s, LEFT(p.INFO, 2000) AS query, t.trx_id AS trx_id,
       TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS xact_age_s, t.trx_state AS trx_state,
       TIMESTAMPDIFF(SECOND, t.trx_wait_started, NOW()) AS wait_s
FROM information_schema.PROCESSLIST p
LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID
WHERE p.ID <> CONNECTION_ID() AND p.COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')
  AND p.USER NOT IN ('system user', 'event_scheduler')
  AND (p.COMMAND <> 'Sleep' OR t.trx_id IS NOT NULL)
ORDER BY t.trx_started IS NULL, t.trx_started, p.TIME DESC
LIMIT %(limit)s
