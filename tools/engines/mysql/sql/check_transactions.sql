-- Open InnoDB transactions, oldest first (needs the PROCESS privilege).
SELECT t.trx_id AS id, t.trx_state AS state, t.trx_mysql_thread_id AS thread_id,
       TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS age_s, t.trx_rows_modified AS rows_modified,
       LEFT(t.trx_query, 200) AS query
FROM information_schema.INNODB_TRX t
ORDER BY t.trx_started
LIMIT 20
