-- Every index on a user table: definition, key columns, operator classes (for duplicate detection), usage, size,
-- and the estimated key width (for bloat; NULL when the index has expressions). Set-based, like check_tables.
WITH stats AS MATERIALIZED (  -- one pass over pg_stats (a view: per-row lookups into it are slow)
  SELECT schemaname, tablename, attname, avg_width FROM pg_stats WHERE NOT inherited
), key_widths AS (
  SELECT i.indexrelid, sum(st.avg_width) AS key_width
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
  JOIN stats st ON st.schemaname = n.nspname AND st.tablename = c.relname AND st.attname = a.attname
  WHERE i.indexprs IS NULL
  GROUP BY i.indexrelid
), backing AS (
  SELECT conindid, bool_or(contype IN ('p', 'u', 'x')) AS backs_constraint FROM pg_constraint
  WHERE conindid <> 0 GROUP BY conindid
)
SELECT i.indexrelid AS oid, i.indrelid AS table_oid, n.nspname AS schema, c.relname AS table_name,
       ic.relname AS name, am.amname AS method, pg_get_indexdef(i.indexrelid) AS definition,
       i.indkey::text AS indkey, i.indclass::text AS indclass, i.indcollation::text AS indcollation,
       i.indnkeyatts AS key_count,
       pg_get_expr(i.indexprs, i.indrelid) AS expressions, pg_get_expr(i.indpred, i.indrelid) AS predicate,
       ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k)
         AS columns,
       i.indisunique AS is_unique, i.indisprimary AS is_primary, i.indisvalid AS is_valid,
       coalesce(b.backs_constraint, false) AS backs_constraint,
       s.idx_scan AS scans, ic.relpages::bigint * current_setting('block_size')::int AS bytes, ic.relpages AS pages,
       GREATEST(ic.reltuples, 0)::bigint AS reltuples,
       kw.key_width,
       (SELECT count(*) FROM unnest(i.indkey::int2[]) AS k WHERE k > 0) AS plain_columns,
       ts.seq_scan + coalesce(ts.idx_scan, 0) AS table_reads, ts.n_tup_ins + ts.n_tup_upd + ts.n_tup_del AS table_writes,
       -- A partitioned table's index (relkind I) and a partition's index attached to it are never dropped on their
       -- own: PostgreSQL refuses DROP INDEX CONCURRENTLY on the first and any DROP of the second.
       ic.relkind = 'I' AS partitioned_index, c.relkind AS table_relkind, c.relispartition AS table_is_partition,
       (SELECT inh.inhparent FROM pg_inherits inh WHERE inh.inhrelid = i.indexrelid LIMIT 1) AS parent_index_oid,
       (i.indkey::int2[])[0:i.indnkeyatts - 1] AS key_attnums
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = ic.relam
LEFT JOIN backing b ON b.conindid = i.indexrelid
LEFT JOIN key_widths kw ON kw.indexrelid = i.indexrelid
LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = i.indexrelid
LEFT JOIN pg_stat_user_tables ts ON ts.relid = c.oid
WHERE c.relkind IN ('r', 'p', 'm')
  AND c.relnamespace NOT IN (SELECT oid FROM pg_namespace WHERE nspname IN ('pg_catalog', 'information_schema') OR nspname LIKE 'pg\_toast%%' OR nspname LIKE 'pg\_temp%%')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
