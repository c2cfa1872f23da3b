-- MySQL 8.0.16+: CHECK constraints are named per schema; their table comes from TABLE_CONSTRAINTS.
SELECT tc.TABLE_SCHEMA AS `schema`, tc.TABLE_NAME AS `table`, cc.CONSTRAINT_NAME AS name,
       cc.CHECK_CLAUSE AS clause, 'Table' AS level
FROM information_schema.CHECK_CONSTRAINTS cc
JOIN information_schema.TABLE_CONSTRAINTS tc
  ON tc.CONSTRAINT_SCHEMA = cc.CONSTRAINT_SCHEMA AND tc.CONSTRAINT_NAME = cc.CONSTRAINT_NAME
 AND tc.CONSTRAINT_TYPE = 'CHECK'
WHERE tc.TABLE_SCHEMA IN %(schemas)s
  AND (%(table)s IS NULL OR tc.TABLE_NAME = %(table)s)
ORDER BY tc.TABLE_SCHEMA, tc.TABLE_NAME, cc.CONSTRAINT_NAME
