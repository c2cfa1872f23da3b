-- Character columns with their character set and collation: same-named columns across tables (sku, email, …) are
-- the join keys a collation mismatch slows down, foreign key or not.
SELECT c.TABLE_SCHEMA AS `schema`, c.TABLE_NAME AS `table`, c.COLUMN_NAME AS name, c.COLUMN_TYPE AS column_type,
       c.IS_NULLABLE = 'YES' AS nullable, c.CHARACTER_SET_NAME AS charset, c.COLLATION_NAME AS collation
FROM information_schema.COLUMNS c
JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
WHERE c.TABLE_SCHEMA IN %(schemas)s AND c.COLLATION_NAME IS NOT NULL AND t.TABLE_TYPE = 'BASE TABLE'
ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION
