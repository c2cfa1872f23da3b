-- Every user table: keys, size, activity and vacuum statistics, estimated row width (for bloat), freeze age.
SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind, c.relispartition AS is_partition,
       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p') AS has_pk,
       (SELECT ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
         WHERE i.indrelid = c.oid AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
           AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                           AND a.attnum = ANY (i.indkey::int2[]) AND NOT a.attnotnull)
         ORDER BY ic.relname LIMIT 1) AS unique_not_null_index,
       GREATEST(c.reltuples, 0)::bigint AS reltuples, c.relpages AS pages,
       pg_total_relation_size(c.oid) AS total_bytes,
       s.n_live_tup, s.n_dead_tup, s.n_mod_since_analyze, s.seq_scan, s.seq_tup_read, s.idx_scan,
       s.n_tup_ins + s.n_tup_upd + s.n_tup_del AS writes,
       s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze,
       coalesce((SELECT option_value FROM pg_options_to_table(c.reloptions) WHERE option_name = 'autovacuum_enabled'),
                'true') AS autovacuum_enabled,
       coalesce((SELECT option_value::int FROM pg_options_to_table(c.reloptions) WHERE option_name = 'fillfactor'),
                100) AS fillfactor,
       age(c.relfrozenxid) AS xid_age,
       (SELECT sum(st.avg_width) FROM pg_stats st WHERE st.schemaname = n.nspname AND st.tablename = c.relname
          AND NOT st.inherited) AS row_width,
       (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
         AS column_count,
       (SELECT count(*) FROM pg_stats st WHERE st.schemaname = n.nspname AND st.tablename = c.relname
          AND NOT st.inherited) AS analyzed_columns
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE c.relkind IN ('r', 'p', 'm')
  AND c.relnamespace NOT IN (SELECT oid FROM pg_namespace WHERE nspname IN ('pg_catalog', 'information_schema') OR nspname LIKE 'pg\_toast%%' OR nspname LIKE 'pg\_temp%%')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
