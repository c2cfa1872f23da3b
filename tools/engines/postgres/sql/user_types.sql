-- User-defined types a guarded statement names (casts, column definition lists) whose use runs user code: base
-- types (input functions), domains (CHECK constraints), ranges (canonical/subtype_diff functions). Enums and
-- composite types run nothing. Extension-owned types are trusted like extension functions. %(names)s: quoted names.
SELECT t.oid::pg_catalog.regtype::text AS name,
       CASE t.typtype WHEN 'b' THEN 'base type' WHEN 'd' THEN 'domain' ELSE 'range type' END AS kind
FROM pg_catalog.unnest(%(names)s::text[]) AS wanted(name)
JOIN pg_catalog.pg_type t ON t.oid = pg_catalog.to_regtype(wanted.name)
WHERE t.typnamespace NOT IN ('pg_catalog'::pg_catalog.regnamespace, 'information_schema'::pg_catalog.regnamespace)
  AND t.typtype IN ('b', 'd', 'r', 'm')
  AND NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objid = t.oid AND d.deptype = 'e'
  )
ORDER BY 1
