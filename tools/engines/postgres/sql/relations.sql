-- User relations with estimates, total size (heap + indexes + toast) and comment.
SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind,
       c.reltuples::bigint AS row_estimate,
       CASE WHEN c.relkind IN ('r', 'p', 'm') THEN pg_total_relation_size(c.oid) END AS size_bytes,
       d.description AS comment,
       (SELECT pn.nspname || '.' || pc.relname FROM pg_inherits inh JOIN pg_class pc ON pc.oid = inh.inhparent
          JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE inh.inhrelid = c.oid AND c.relispartition LIMIT 1)
         AS partition_of
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\_toast%%' AND n.nspname NOT LIKE 'pg\_temp%%'
      -- objects that belong to an extension (the pg_stat_statements view, ...) are not the user's schema
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      AND (%(oid)s::oid IS NULL OR c.oid = %(oid)s::oid)
ORDER BY n.nspname, c.relname
