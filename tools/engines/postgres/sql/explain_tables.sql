-- The tables a statement touches (names as the plan or the query spell them, resolved on the search_path):
-- row estimate, pages, columns with type and NOT NULL, and the key columns (or expressions) of each valid index.
SELECT n.nspname AS schema, c.relname AS name,
       GREATEST(c.reltuples, 0)::bigint AS row_estimate, c.relpages AS pages,
       (SELECT coalesce(json_agg(json_build_object(
                  'name', a.attname, 'type', format_type(a.atttypid, NULL), 'not_null', a.attnotnull)
                ORDER BY a.attnum), '[]')
        FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
       (SELECT coalesce(json_agg(ARRAY(SELECT lower(pg_get_indexdef(i.indexrelid, k, true))
                                       FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k)), '[]')
        FROM pg_index i WHERE i.indrelid = c.oid AND i.indisvalid) AS index_keys
FROM (SELECT DISTINCT to_regclass(q.name) AS oid FROM unnest(%(names)s::text[]) AS q(name)) AS r
JOIN pg_class c ON c.oid = r.oid
JOIN pg_namespace n ON n.oid = c.relnamespace
