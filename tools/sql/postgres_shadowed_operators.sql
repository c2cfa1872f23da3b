-- User-defined operators on the session's search_path (outside pg_catalog, not owned by an extension) whose names a
-- guarded statement uses unqualified: `a === b` would call the operator's function. %(names)s: text[].
SELECT DISTINCT n.nspname AS schema, o.oprname AS name
FROM pg_catalog.pg_operator o
JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
WHERE o.oprname = ANY(%(names)s)
  AND n.nspname <> 'pg_catalog'
  AND n.nspname = ANY(pg_catalog.current_schemas(false))
  AND NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass AND d.objid = o.oid AND d.deptype = 'e'
  )
ORDER BY 1, 2
