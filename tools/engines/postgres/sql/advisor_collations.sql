-- Text columns of the tables a workload reads whose collation is C/POSIX (their own, or the database's default):
-- there a plain B-tree serves a LIKE with a constant prefix; any other collation needs a pattern operator class.
SELECT n.nspname || '.' || c.relname AS table_key, a.attname AS column_name
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_collation co ON co.oid = a.attcollation
CROSS JOIN (SELECT datcollate, datlocprovider FROM pg_database WHERE datname = current_database()) AS d
WHERE n.nspname || '.' || c.relname = ANY(%(tables)s) AND a.attnum > 0 AND NOT a.attisdropped
  AND CASE WHEN co.collname = 'default' THEN d.datlocprovider = 'c' AND d.datcollate IN ('C', 'POSIX')
           ELSE co.collprovider = 'c' AND co.collcollate IN ('C', 'POSIX') END
