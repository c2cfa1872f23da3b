-- Functions on the session's search_path, outside pg_catalog and not owned by an extension, whose names match the
-- unqualified names a guarded statement calls: a user-defined function that would be called instead of (or as) an
-- allow-listed one. %(names)s: text[].
SELECT DISTINCT n.nspname AS schema, p.proname AS name
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.proname = ANY(%(names)s)
  AND n.nspname <> 'pg_catalog'
  AND n.nspname = ANY(pg_catalog.current_schemas(false))
  AND NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'e'
  )
ORDER BY 1, 2
