-- Schemas in which every role (PUBLIC) may create objects.
SELECT n.nspname AS schema
FROM pg_namespace n, aclexplode(n.nspacl) AS acl
WHERE acl.grantee = 0 AND acl.privilege_type = 'CREATE'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%%'
