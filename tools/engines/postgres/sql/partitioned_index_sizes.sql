-- A partitioned index stores nothing itself: its size is the sum of the partitions' indexes attached to it.
-- %(oid)s: the table whose indexes are wanted, or NULL for all.
SELECT n.nspname AS schema, ci.relname AS name,
       (SELECT sum(pg_relation_size(t.relid)) FROM pg_partition_tree(ci.oid) t)::bigint AS size_bytes
FROM pg_index i
JOIN pg_class ci ON ci.oid = i.indexrelid AND ci.relkind = 'I'
JOIN pg_namespace n ON n.oid = ci.relnamespace
WHERE (%(oid)s::oid IS NULL OR i.indrelid = %(oid)s::oid)
