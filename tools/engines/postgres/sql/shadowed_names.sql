-- Functions and operators on the session's search_path (outside pg_catalog, not owned by an extension) whose names a
-- guarded statement uses unqualified: user code that would run instead of (or as) an allow-listed built-in —
-- `lower(5)`, `t.f` meaning f(t), `a === b` calling the operator's function. %(functions)s, %(operators)s: name[].
SELECT 'function' AS kind, n.nspname AS schema, p.proname AS name
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.proname = ANY(%(functions)s::pg_catalog.name[])
  AND n.nspname <> 'pg_catalog'
  AND n.nspname = ANY(pg_catalog.current_schemas(false))
  AND NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'e'
  )
UNION
SELECT 'operator', n.nspname, o.oprname
FROM pg_catalog.pg_operator o
JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
WHERE o.oprname = ANY(%(operators)s::pg_catalog.name[])
  AND n.nspname <> 'pg_catalog'
  AND n.nspname = ANY(pg_catalog.current_schemas(false))
  AND NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass AND d.objid = o.oid AND d.deptype = 'e'
  )
ORDER BY 1, 2, 3
