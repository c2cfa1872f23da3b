-- One row per index with its key parts in order (prefix lengths included), uniqueness and type.
SELECT s.TABLE_SCHEMA AS `schema`, s.TABLE_NAME AS `table`, s.INDEX_NAME AS name,
       GROUP_CONCAT(CONCAT(s.COLUMN_NAME, IF(s.SUB_PART IS NULL, '', CONCAT('(', s.SUB_PART, ')')))
                    ORDER BY s.SEQ_IN_INDEX SEPARATOR ',') AS parts,
       MIN(s.NON_UNIQUE) = 0 AS is_unique, MIN(s.INDEX_TYPE) AS index_type
FROM information_schema.STATISTICS s
WHERE s.TABLE_SCHEMA IN %(schemas)s
GROUP BY s.TABLE_SCHEMA, s.TABLE_NAME, s.INDEX_NAME
ORDER BY s.TABLE_SCHEMA, s.TABLE_NAME, s.INDEX_NAME
