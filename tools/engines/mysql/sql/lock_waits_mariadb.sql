-- Row-lock waits on MariaDB (and MySQL 5.7): information_schema's InnoDB lock-wait and lock tables.
SELECT r.trx_mysql_thread_id AS waiting, b.trx_mysql_thread_id AS blocking,
       CONCAT(l.lock_mode, ' ', l.lock_type, ' lock on ', l.lock_table) AS lock_desc
FROM information_schema.INNODB_LOCK_WAITS w
JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id
JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id
LEFT JOIN information_schema.INNODB_LOCKS l ON l.lock_id = w.requested_lock_id
