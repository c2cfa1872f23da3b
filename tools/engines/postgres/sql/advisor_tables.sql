-- Rows, pages and all-visible pages of the tables a workload reads, summed over a partitioned table's leaves: the
-- visibility map decides whether an index-only scan (a covering INCLUDE index) really avoids the table.
SELECT n.nspname || '.' || c.relname AS table_key,
       sum(greatest(p.reltuples, 0))::float8 AS rows, sum(greatest(p.relpages, 0))::bigint AS pages,
       sum(p.relallvisible)::bigint AS all_visible
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL pg_partition_tree(c.oid) AS t
JOIN pg_class p ON p.oid = t.relid AND t.isleaf
WHERE n.nspname || '.' || c.relname = ANY(%(tables)s) AND c.relkind IN ('r', 'p', 'm')
GROUP BY 1
