-- What the plain relation list leaves out: a partitioned table's key and its whole tree's rows and size (the parent
-- itself stores nothing, so pg_total_relation_size says 0), a partition's bound, a view's query, whether a
-- materialized view holds data. %(oid)s: one relation, or NULL for all.
SELECT n.nspname AS schema, c.relname AS name, c.relkind,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       CASE WHEN c.relkind = 'p' THEN (
         SELECT sum(pg_total_relation_size(t.relid)) FROM pg_partition_tree(c.oid) t WHERE t.relid <> c.oid)
       END::bigint AS tree_size_bytes,
       CASE WHEN c.relkind = 'p' THEN (
         SELECT sum(greatest(pc.reltuples, 0)) FROM pg_partition_tree(c.oid) t JOIN pg_class pc ON pc.oid = t.relid
         WHERE t.isleaf)
       END::bigint AS tree_rows,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS definition,
       CASE WHEN c.relkind = 'm' THEN c.relispopulated END AS populated
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE (c.relkind IN ('p', 'v', 'm') OR c.relispartition)
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND (%(oid)s::oid IS NULL OR c.oid = %(oid)s::oid)
