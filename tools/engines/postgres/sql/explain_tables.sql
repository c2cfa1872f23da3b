-- The tables a statement touches (names as the plan or the query spell them, resolved on the search_path):
-- row estimate, pages, columns with type and NOT NULL, and the key columns (or expressions) of each valid index.
SELECT n.nspname AS schema, c.relname AS name,
       GREATEST(c.reltuples, 0)::bigint AS row_estimate, c.relpages AS pages,
       (SELECT coalesce(json_agg(json_build_object(
                  'name', a.attname, 'type', format_type(a.atttypid, NULL), 'not_null', a.attnotnull)
                ORDER BY a.attnum), '[]')
        FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
       (SELECT coalesce(json_agg(ARRAY(SELECT lower(pg_get_indexdef(i.indexrelid, k, true))
                                       FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k)), '[]')
        FROM pg_index i WHERE i.indrelid = c.oid AND i.indisvalid) AS index_keys,
       -- partitioning, for the pruning insight: a partition's root, a partitioned table's key columns and leaves
       CASE WHEN c.relispartition THEN (SELECT rn.nspname || '.' || rc.relname FROM pg_class rc
                                        JOIN pg_namespace rn ON rn.oid = rc.relnamespace
                                        WHERE rc.oid = pg_partition_root(c.oid)) END AS partition_root,
       CASE WHEN c.relkind = 'p' THEN ARRAY(
         SELECT a.attname::text FROM pg_partitioned_table pt, unnest(pt.partattrs::int2[]) AS k(attnum)
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
         WHERE pt.partrelid = c.oid) END AS partition_key,
       CASE WHEN c.relkind = 'p' THEN (SELECT count(*) FROM pg_partition_tree(c.oid) t WHERE t.isleaf)::int
       END AS leaf_partitions
-- a partitioned table brings its partitions: the plan names them without their schema
FROM (SELECT DISTINCT tree.oid
      FROM (SELECT to_regclass(q.name) AS oid FROM unnest(%(names)s::text[]) AS q(name)) AS named
      CROSS JOIN LATERAL (SELECT named.oid UNION SELECT t.relid FROM pg_partition_tree(named.oid) AS t) AS tree
      WHERE named.oid IS NOT NULL) AS r
JOIN pg_class c ON c.oid = r.oid
JOIN pg_namespace n ON n.oid = c.relnamespace
