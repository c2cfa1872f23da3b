-- Tables and views of the schemas in scope, with the storage engine's row estimate, size (data + indexes) and comment.
-- Sequences (MariaDB) are not relations a user queries for data; they are left out.
SELECT t.TABLE_SCHEMA AS `schema`, t.TABLE_NAME AS name, t.TABLE_TYPE AS table_type,
       t.TABLE_ROWS AS row_estimate,
       t.DATA_LENGTH + t.INDEX_LENGTH AS size_bytes,
       t.TABLE_COMMENT AS comment
FROM information_schema.TABLES t
WHERE t.TABLE_SCHEMA IN %(schemas)s
  AND (%(table)s IS NULL OR t.TABLE_NAME = %(table)s)
  AND t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED', 'VIEW')
ORDER BY t.TABLE_SCHEMA, t.TABLE_NAME
