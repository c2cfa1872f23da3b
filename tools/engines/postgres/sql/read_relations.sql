-- The relations a guarded statement reads, and what reading each one runs: a view's stored definition (and the
-- relations its _RETURN rule reads, through pg_depend, for the next level), a table's row-level security policies
-- that apply to SELECT. %(names)s: quoted names as the statement writes them (resolved on the session's search_path,
-- the one the statement will run with); %(oids)s: relations reached through a view one level up.
-- Server-shipped views (pg_catalog, information_schema) and extension-owned ones are trusted like built-in and
-- extension functions. A materialized view is stored data: reading it does not run its definition.
WITH wanted AS (
  SELECT pg_catalog.to_regclass(w.name) AS oid FROM pg_catalog.unnest(%(names)s::text[]) AS w(name)
  UNION
  SELECT o FROM pg_catalog.unnest(%(oids)s::pg_catalog.oid[]) AS o
)
SELECT c.oid::pg_catalog.int8 AS oid,
       c.relkind::text AS kind,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS name,
       (n.nspname IN ('pg_catalog', 'information_schema')
        OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                   WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
                     AND d.deptype = 'e')) AS trusted,
       CASE WHEN c.relkind = 'v' THEN pg_catalog.pg_get_viewdef(c.oid) END AS definition,
       CASE WHEN c.relkind = 'v' THEN ARRAY(
         SELECT DISTINCT d.refobjid::pg_catalog.int8
         FROM pg_catalog.pg_rewrite r
         JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid
         WHERE r.ev_class = c.oid AND r.ev_type = '1'
           AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid <> c.oid
         ORDER BY 1) END AS reads,
       CASE WHEN c.relrowsecurity THEN ARRAY(
         SELECT ARRAY[p.polname::text, pg_catalog.pg_get_expr(p.polqual, p.polrelid)]
         FROM pg_catalog.pg_policy p
         WHERE p.polrelid = c.oid AND p.polcmd IN ('r', '*') AND p.polqual IS NOT NULL
         ORDER BY p.polname) END AS policies
FROM wanted
JOIN pg_catalog.pg_class c ON c.oid = wanted.oid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
ORDER BY c.oid
