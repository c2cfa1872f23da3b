-- The direct partitions of each partitioned table (or of the one %(oid)s names): bound as PostgreSQL writes it, and
-- rows and size over the partition's own tree (a sub-partitioned partition stores nothing itself).
SELECT pn.nspname AS parent_schema, p.relname AS parent_name,
       n.nspname || '.' || c.relname AS name,
       pg_get_expr(c.relpartbound, c.oid) AS bound,
       c.relkind = 'p' AS partitioned,
       (SELECT sum(pg_total_relation_size(t.relid)) FROM pg_partition_tree(c.oid) t)::bigint AS size_bytes,
       (SELECT CASE WHEN bool_and(pc.reltuples < 0) THEN NULL ELSE sum(greatest(pc.reltuples, 0)) END
        FROM pg_partition_tree(c.oid) t JOIN pg_class pc ON pc.oid = t.relid WHERE t.isleaf)::bigint AS row_estimate
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid AND c.relispartition
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class p ON p.oid = i.inhparent AND p.relkind = 'p'
JOIN pg_namespace pn ON pn.oid = p.relnamespace
WHERE (%(oid)s::oid IS NULL OR p.oid = %(oid)s::oid)
ORDER BY pn.nspname, p.relname, pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT', c.relname
