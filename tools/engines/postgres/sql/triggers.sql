-- User triggers (not the internal ones behind foreign keys), each on the table it was created on: the clones a
-- partition inherits from its parent's trigger (tgparentid, PostgreSQL 13+) are left to the parent's listing.
-- tgtype bits: 1 row-level, 2 BEFORE, 64 INSTEAD OF; 4 INSERT, 8 DELETE, 16 UPDATE, 32 TRUNCATE.
SELECT n.nspname AS schema, c.relname AS table_name, t.tgname AS name, t.tgtype::int AS tgtype,
       fn.nspname || '.' || f.proname AS function, t.tgenabled <> 'D' AS enabled,
       pg_get_triggerdef(t.oid) AS definition
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc f ON f.oid = t.tgfoid
JOIN pg_namespace fn ON fn.oid = f.pronamespace
WHERE NOT t.tgisinternal AND t.tgparentid = 0
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND (%(oid)s::oid IS NULL OR c.oid = %(oid)s::oid)
ORDER BY n.nspname, c.relname, t.tgname
