-- Rows, pages and all-visible pages of the tables a workload reads (a partitioned table: summed over its leaves): the
-- visibility map decides whether an index-only scan (a covering INCLUDE index) really avoids the table.
SELECT n.nspname || '.' || c.relname AS table_key,
       coalesce(leaves.rows, greatest(c.reltuples, 0))::float8 AS rows,
       coalesce(leaves.pages, greatest(c.relpages, 0))::bigint AS pages,
       coalesce(leaves.all_visible, c.relallvisible)::bigint AS all_visible
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (
  SELECT sum(greatest(p.reltuples, 0)) AS rows, sum(greatest(p.relpages, 0)) AS pages, sum(p.relallvisible) AS all_visible
  FROM pg_partition_tree(c.oid) AS t JOIN pg_class p ON p.oid = t.relid
  WHERE t.isleaf AND c.relkind = 'p'
) AS leaves ON c.relkind = 'p'
WHERE n.nspname || '.' || c.relname = ANY(%(tables)s) AND c.relkind IN ('r', 'p', 'm')
