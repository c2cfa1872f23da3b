-- Sequences: how far along they are, against their own maximum and against the column they feed.
SELECT s.schemaname AS schema, s.sequencename AS name, s.data_type::text AS data_type, s.last_value, s.max_value,
       s.increment_by,
       (SELECT format('%%s.%%s', dc.relname, a.attname) FROM pg_depend dep
          JOIN pg_class dc ON dc.oid = dep.refobjid
          JOIN pg_attribute a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid
         WHERE dep.classid = 'pg_class'::regclass AND dep.objid = (quote_ident(s.schemaname) || '.' ||
               quote_ident(s.sequencename))::regclass AND dep.deptype IN ('a', 'i') LIMIT 1) AS column_name,
       (SELECT format_type(a.atttypid, NULL) FROM pg_depend dep
          JOIN pg_attribute a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid
         WHERE dep.classid = 'pg_class'::regclass AND dep.objid = (quote_ident(s.schemaname) || '.' ||
               quote_ident(s.sequencename))::regclass AND dep.deptype IN ('a', 'i') LIMIT 1) AS column_type
FROM pg_sequences s
WHERE s.last_value IS NOT NULL
