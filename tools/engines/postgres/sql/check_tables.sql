-- Every user table: keys, size, activity and vacuum statistics, estimated row width (for bloat), freeze age.
-- Set-based (one pass over pg_stats, pg_index, pg_constraint) so that 2,000 tables cost one scan, not 2,000.
WITH widths AS (
  SELECT schemaname, tablename, sum(avg_width) AS row_width, count(*) AS analyzed_columns
  FROM pg_stats WHERE NOT inherited GROUP BY schemaname, tablename
), pks AS (
  SELECT DISTINCT conrelid FROM pg_constraint WHERE contype = 'p'
), unique_not_null AS (
  SELECT DISTINCT ON (i.indrelid) i.indrelid, ic.relname
  FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
  WHERE i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
    AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid
                    AND a.attnum = ANY (i.indkey::int2[]) AND NOT a.attnotnull)
  ORDER BY i.indrelid, ic.relname
), column_counts AS (
  SELECT attrelid, count(*) AS column_count FROM pg_attribute WHERE attnum > 0 AND NOT attisdropped GROUP BY attrelid
)
SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind, c.relispartition AS is_partition,
       (SELECT inh.inhparent FROM pg_inherits inh WHERE inh.inhrelid = c.oid AND c.relispartition LIMIT 1)
         AS parent_oid,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'id' AND NOT a.attisdropped)
         AS has_id_column,
       pks.conrelid IS NOT NULL AS has_pk, u.relname AS unique_not_null_index,
       GREATEST(c.reltuples, 0)::bigint AS reltuples, c.relpages AS pages,
       CASE WHEN pks.conrelid IS NULL THEN pg_total_relation_size(c.oid) END AS total_bytes,
       s.n_live_tup, s.n_dead_tup, s.n_mod_since_analyze, s.seq_scan, s.seq_tup_read, s.idx_scan,
       s.n_tup_ins + s.n_tup_upd + s.n_tup_del AS writes,
       s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze,
       coalesce((SELECT option_value FROM pg_options_to_table(c.reloptions) WHERE option_name = 'autovacuum_enabled'),
                'true') AS autovacuum_enabled,
       coalesce((SELECT option_value::int FROM pg_options_to_table(c.reloptions) WHERE option_name = 'fillfactor'),
                100) AS fillfactor,
       age(c.relfrozenxid) AS xid_age,
       w.row_width, coalesce(cc.column_count, 0) AS column_count, coalesce(w.analyzed_columns, 0) AS analyzed_columns
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
LEFT JOIN pks ON pks.conrelid = c.oid
LEFT JOIN unique_not_null u ON u.indrelid = c.oid
LEFT JOIN widths w ON w.schemaname = n.nspname AND w.tablename = c.relname
LEFT JOIN column_counts cc ON cc.attrelid = c.oid
WHERE c.relkind IN ('r', 'p', 'm')
  AND c.relnamespace NOT IN (SELECT oid FROM pg_namespace WHERE nspname IN ('pg_catalog', 'information_schema') OR nspname LIKE 'pg\_toast%%' OR nspname LIKE 'pg\_temp%%')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
