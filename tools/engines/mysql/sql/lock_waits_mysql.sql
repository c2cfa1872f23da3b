-- Row-lock waits on MySQL 8: performance_schema's data_lock_waits and data_locks.
SELECT r.trx_mysql_thread_id AS waiting, b.trx_mysql_thread_id AS blocking,
       CONCAT(l.LOCK_MODE, ' ', l.LOCK_TYPE, ' lock on ', l.OBJECT_SCHEMA, '.', l.OBJECT_NAME) AS lock_desc
FROM performance_schema.data_lock_waits w
JOIN information_schema.INNODB_TRX r ON r.trx_id = w.REQUESTING_ENGINE_TRANSACTION_ID
JOIN information_schema.INNODB_TRX b ON b.trx_id = w.BLOCKING_ENGINE_TRANSACTION_ID
LEFT JOIN performance_schema.data_locks l ON l.ENGINE_LOCK_ID = w.REQUESTING_ENGINE_LOCK_ID
