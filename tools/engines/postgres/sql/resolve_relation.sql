-- One user relation by name: 'schema.table' or a bare name found on the search_path (then in any schema).
SELECT c.oid
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND (
    (strpos(%(name)s, '.') > 0 AND n.nspname = split_part(%(name)s, '.', 1) AND c.relname = split_part(%(name)s, '.', 2))
    OR (strpos(%(name)s, '.') = 0 AND c.relname = %(name)s)
  )
ORDER BY n.nspname = ANY (current_schemas(false)) DESC, n.nspname
LIMIT 1
