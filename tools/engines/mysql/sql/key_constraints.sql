-- Primary key, unique and foreign key constraints, one row per column in key order, with the referenced column.
-- KEY_COLUMN_USAGE holds exactly these three kinds; reading it alone avoids joining information_schema views,
-- which MariaDB materialises without indexes (seconds on thousands of tables). PRIMARY is the primary key's name.
SELECT k.TABLE_SCHEMA AS `schema`, k.TABLE_NAME AS `table`, k.CONSTRAINT_NAME AS name,
       CASE WHEN k.CONSTRAINT_NAME = 'PRIMARY' THEN 'PRIMARY KEY'
            WHEN k.REFERENCED_TABLE_NAME IS NOT NULL THEN 'FOREIGN KEY'
            ELSE 'UNIQUE' END AS constraint_type,
       k.COLUMN_NAME AS column_name, k.REFERENCED_TABLE_SCHEMA AS ref_schema,
       k.REFERENCED_TABLE_NAME AS ref_table, k.REFERENCED_COLUMN_NAME AS ref_column
FROM information_schema.KEY_COLUMN_USAGE k
WHERE k.TABLE_SCHEMA IN %(schemas)s
  AND (%(table)s IS NULL OR k.TABLE_NAME = %(table)s)
ORDER BY k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION
