-- The planner's column statistics of the tables a workload reads: which constants select a small share of the rows
-- (a partial index on them is small). A plain table's own row last, so it wins over the inheritance-tree row.
SELECT schemaname || '.' || tablename AS table_key, attname AS column_name, null_frac, n_distinct,
       most_common_vals::text::text[] AS common_values, most_common_freqs AS common_freqs
FROM pg_stats
WHERE schemaname || '.' || tablename = ANY(%(tables)s)
ORDER BY inherited DESC
LIMIT 5000
