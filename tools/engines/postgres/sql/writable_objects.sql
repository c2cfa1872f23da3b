-- A few examples of what the login may change: database-level CREATE, schema CREATE, table writes.
SELECT what FROM (
  SELECT 'CREATE on database ' || quote_ident(current_database()) AS what, 0 AS ord
  WHERE has_database_privilege(current_database(), 'CREATE')
  UNION ALL
  SELECT 'CREATE on schema ' || quote_ident(nspname), 1
  FROM pg_namespace
  WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\_%'
    AND has_schema_privilege(oid, 'CREATE')
  UNION ALL
  (SELECT 'INSERT/UPDATE/DELETE on ' || c.oid::regclass::text, 2
   FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
     AND n.nspname NOT LIKE 'pg\_%'
     AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE')
   LIMIT 5)
) w
ORDER BY ord
LIMIT 8
