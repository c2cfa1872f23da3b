-- Columns in table order. EXTRA carries auto_increment and generated-column markers; the default is normalised in
-- Python because MySQL and MariaDB spell COLUMN_DEFAULT differently.
SELECT c.TABLE_SCHEMA AS `schema`, c.TABLE_NAME AS `table`, c.COLUMN_NAME AS name, c.COLUMN_TYPE AS type,
       c.DATA_TYPE AS data_type, c.IS_NULLABLE = 'YES' AS nullable, c.COLUMN_DEFAULT AS raw_default,
       c.EXTRA AS extra, c.GENERATION_EXPRESSION AS generation_expression, c.COLUMN_COMMENT AS comment
FROM information_schema.COLUMNS c
WHERE c.TABLE_SCHEMA IN %(schemas)s
  AND (%(table)s IS NULL OR c.TABLE_NAME = %(table)s)
ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION
