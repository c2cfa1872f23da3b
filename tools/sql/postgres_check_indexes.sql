-- Every index on a user table: definition, key columns, operator classes (for duplicate detection), usage, size,
-- and the estimated key width (for bloat; NULL when the index has expressions).
SELECT i.indexrelid AS oid, i.indrelid AS table_oid, n.nspname AS schema, c.relname AS table_name,
       ic.relname AS name, am.amname AS method, pg_get_indexdef(i.indexrelid) AS definition,
       i.indkey::text AS indkey, i.indclass::text AS indclass, i.indcollation::text AS indcollation,
       i.indnkeyatts AS key_count,
       pg_get_expr(i.indexprs, i.indrelid) AS expressions, pg_get_expr(i.indpred, i.indrelid) AS predicate,
       ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k)
         AS columns,
       i.indisunique AS is_unique, i.indisprimary AS is_primary, i.indisvalid AS is_valid,
       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
         AS backs_constraint,
       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype = 'f') AS referenced_by_fk,
       s.idx_scan AS scans, pg_relation_size(i.indexrelid) AS bytes, ic.relpages AS pages,
       GREATEST(ic.reltuples, 0)::bigint AS reltuples,
       CASE WHEN i.indexprs IS NULL THEN
         (SELECT sum(st.avg_width) FROM pg_attribute a
            JOIN pg_stats st ON st.schemaname = n.nspname AND st.tablename = c.relname AND st.attname = a.attname
                             AND NOT st.inherited
           WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])) END AS key_width,
       (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[]))
         AS plain_columns,
       ts.seq_scan + ts.idx_scan + ts.n_tup_ins + ts.n_tup_upd + ts.n_tup_del AS table_activity
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = ic.relam
LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = i.indexrelid
LEFT JOIN pg_stat_user_tables ts ON ts.relid = c.oid
WHERE c.relkind IN ('r', 'p', 'm')
  AND c.relnamespace NOT IN (SELECT oid FROM pg_namespace WHERE nspname IN ('pg_catalog', 'information_schema') OR nspname LIKE 'pg\_toast%%' OR nspname LIKE 'pg\_temp%%')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
