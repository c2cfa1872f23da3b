-- Every partition with its parent, whether it is the default one, its rows and size (a sub-partitioned partition:
-- its tree's), and the indexes and foreign keys it carries, each as a signature that does not depend on the
-- partition's or the index's name — so that siblings can be compared. An index's signature is its definition with
-- "INDEX <name> ON <schema.table> " written as "INDEX ON ", which keeps method, opclasses, order, INCLUDE and WHERE.
SELECT pn.nspname AS parent_schema, p.relname AS parent_name, pg_get_partkeydef(p.oid) AS partition_key,
       n.nspname AS schema, c.relname AS name, c.relkind,
       pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT' AS is_default,
       (SELECT sum(GREATEST(pc.reltuples, 0)) FROM pg_partition_tree(c.oid) t JOIN pg_class pc ON pc.oid = t.relid
        WHERE t.isleaf)::bigint AS reltuples,
       (SELECT bool_or(pc.reltuples < 0) FROM pg_partition_tree(c.oid) t JOIN pg_class pc ON pc.oid = t.relid
        WHERE t.isleaf) AS never_analyzed,
       (SELECT sum(pg_total_relation_size(t.relid)) FROM pg_partition_tree(c.oid) t)::bigint AS total_bytes,
       ARRAY(SELECT replace(pg_get_indexdef(i.indexrelid),
                            'INDEX ' || quote_ident(ci.relname) || ' ON ' || quote_ident(n.nspname) || '.'
                            || quote_ident(c.relname) || ' ', 'INDEX ON ')
             FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid
             WHERE i.indrelid = c.oid AND i.indisvalid ORDER BY 1) AS indexes,
       ARRAY(SELECT pg_get_constraintdef(con.oid) FROM pg_constraint con
             WHERE con.conrelid = c.oid AND con.contype = 'f' ORDER BY 1) AS foreign_keys
FROM pg_inherits inh
JOIN pg_class c ON c.oid = inh.inhrelid AND c.relispartition
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class p ON p.oid = inh.inhparent AND p.relkind = 'p'
JOIN pg_namespace pn ON pn.oid = p.relnamespace
WHERE pn.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY pn.nspname, p.relname, n.nspname, c.relname
