-- Indexes with definition, key columns (expressions spelled out), size, scans since the stats reset, and the
-- constraint each one enforces (such an index is never a drop candidate).
SELECT i.indrelid AS oid, ic.relname AS name,
       pg_get_indexdef(i.indexrelid) AS definition,
       ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k) AS columns,
       i.indisunique AS unique, i.indisprimary AS primary, i.indisvalid AS valid,
       pg_relation_size(i.indexrelid) AS size_bytes,
       s.idx_scan AS scans,
       (SELECT pc.conname FROM pg_constraint pc WHERE pc.conindid = i.indexrelid AND pc.conrelid = i.indrelid
          AND pc.contype IN ('p', 'u', 'x') LIMIT 1) AS constraint_name,
       ic.relkind = 'I' AS partitioned,
       (SELECT pn.nspname || '.' || pc.relname FROM pg_inherits inh JOIN pg_class pc ON pc.oid = inh.inhparent
          JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE inh.inhrelid = i.indexrelid LIMIT 1) AS attached_to
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_all_indexes s ON s.indexrelid = i.indexrelid
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\_toast%%' AND n.nspname NOT LIKE 'pg\_temp%%'
      -- objects that belong to an extension (the pg_stat_statements view, ...) are not the user's schema
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      AND (%(oid)s::oid IS NULL OR c.oid = %(oid)s::oid)
ORDER BY i.indrelid, ic.relname
