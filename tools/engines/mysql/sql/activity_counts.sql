-- How many client sessions (this one excluded) are running, asleep, and asleep inside a transaction.
SELECT COUNT(*) AS sessions,
       SUM(p.COMMAND NOT IN ('Sleep')) AS active,
       SUM(p.COMMAND = 'Sleep' AND t.trx_id IS NULL) AS idle,
       SUM(p.COMMAND = 'Sleep' AND t.trx_id IS NOT NULL) AS idle_in_transaction,
       @@max_connections AS max_connections
FROM information_schema.PROCESSLIST p
LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID
WHERE p.ID <> CONNECTION_ID() AND p.COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')
  AND p.USER NOT IN ('system user', 'event_scheduler')
