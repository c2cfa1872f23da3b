-- Index columns in key order (prefix length and direction included). Sizes and usage come from separate, optional
-- queries: they need privileges on mysql.* / performance_schema that a read-only login may lack.
SELECT s.TABLE_SCHEMA AS `schema`, s.TABLE_NAME AS `table`, s.INDEX_NAME AS name, s.NON_UNIQUE = 0 AS is_unique,
       s.SEQ_IN_INDEX AS seq, s.COLUMN_NAME AS column_name, s.SUB_PART AS sub_part, s.COLLATION AS collation,
       s.INDEX_TYPE AS index_type, s.INDEX_COMMENT AS comment
FROM information_schema.STATISTICS s
WHERE s.TABLE_SCHEMA IN %(schemas)s
  AND (%(table)s IS NULL OR s.TABLE_NAME = %(table)s)
ORDER BY s.TABLE_SCHEMA, s.TABLE_NAME, s.INDEX_NAME = 'PRIMARY' DESC, s.INDEX_NAME, s.SEQ_IN_INDEX
