-- Foreign keys with their columns, and whether some valid, non-partial index starts with exactly those columns
-- (in any order) so that deletes/updates on the referenced side and joins do not scan the referencing table.
SELECT con.conname AS name, n.nspname AS schema, c.relname AS table_name, con.conrelid AS table_oid,
       con.conkey AS attnums, c.relkind AS table_relkind,
       -- a partition's copy of its parent's foreign key: the parent's (partitioned) index covers it
       con.conparentid <> 0 AS inherited,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord) AS columns,
       con.confrelid::regclass::text AS referenced_table,
       GREATEST(c.reltuples, 0)::bigint AS reltuples, pg_relation_size(c.oid) AS bytes,
       EXISTS (SELECT 1 FROM pg_index i
               WHERE i.indrelid = con.conrelid AND i.indisvalid AND i.indpred IS NULL
                 AND i.indnkeyatts >= cardinality(con.conkey)
                 AND (i.indkey::int2[])[0:cardinality(con.conkey) - 1] @> con.conkey
                 AND (i.indkey::int2[])[0:cardinality(con.conkey) - 1] <@ con.conkey) AS indexed
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE con.contype = 'f' AND c.relkind IN ('r', 'p')
  AND c.relnamespace NOT IN (SELECT oid FROM pg_namespace WHERE nspname IN ('pg_catalog', 'information_schema') OR nspname LIKE 'pg\_toast%%' OR nspname LIKE 'pg\_temp%%')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
