-- Rows read through each index since the server started (performance_schema must be ON). An index that is only
-- written and never read counts 0, which is what "unused" means to a DBA.
SELECT u.OBJECT_SCHEMA AS `schema`, u.OBJECT_NAME AS `table`, u.INDEX_NAME AS name, u.COUNT_READ AS read_count
FROM performance_schema.table_io_waits_summary_by_index_usage u
WHERE u.INDEX_NAME IS NOT NULL
  AND u.OBJECT_SCHEMA IN %(schemas)s
  AND (%(table)s IS NULL OR u.OBJECT_NAME = %(table)s)
