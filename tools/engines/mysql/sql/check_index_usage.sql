-- Rows read through each index since the server started (performance_schema ON only).
SELECT u.OBJECT_SCHEMA AS `schema`, u.OBJECT_NAME AS `table`, u.INDEX_NAME AS name, u.COUNT_READ AS read_count
FROM performance_schema.table_io_waits_summary_by_index_usage u
WHERE u.INDEX_NAME IS NOT NULL AND u.OBJECT_SCHEMA IN %(schemas)s
