-- Columns worth a look: type smells (timestamp without time zone, money, serial, text keys) and nullable columns
-- in which the statistics saw no NULL. Everything else is left out so this stays small on big schemas.
SELECT n.nspname AS schema, c.relname AS table_name, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null, a.attidentity <> '' AS is_identity,
       pg_get_expr(d.adbin, d.adrelid) AS default_value,
       st.null_frac, GREATEST(c.reltuples, 0)::bigint AS reltuples,
       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype IN ('p', 'f')
               AND a.attnum = ANY (k.conkey)) AS in_key
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_stats st ON st.schemaname = n.nspname AND st.tablename = c.relname AND st.attname = a.attname
                     AND NOT st.inherited
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND c.relnamespace NOT IN (SELECT oid FROM pg_namespace WHERE nspname IN ('pg_catalog', 'information_schema') OR nspname LIKE 'pg\_toast%%' OR nspname LIKE 'pg\_temp%%')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  AND (a.atttypid IN ('timestamp'::regtype, 'money'::regtype)
       OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%%'
       OR (a.atttypid IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype)
           AND (a.attname = 'id' OR a.attname LIKE '%%\_id'))
       OR (NOT a.attnotnull AND st.null_frac = 0))
