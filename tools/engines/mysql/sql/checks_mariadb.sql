-- MariaDB: CHECK constraints carry their table (names are unique per table, and a column-level check is named
-- after its column).
SELECT cc.CONSTRAINT_SCHEMA AS `schema`, cc.TABLE_NAME AS `table`, cc.CONSTRAINT_NAME AS name,
       cc.CHECK_CLAUSE AS clause, cc.LEVEL AS level
FROM information_schema.CHECK_CONSTRAINTS cc
WHERE cc.CONSTRAINT_SCHEMA IN %(schemas)s
  AND (%(table)s IS NULL OR cc.TABLE_NAME = %(table)s)
ORDER BY cc.CONSTRAINT_SCHEMA, cc.TABLE_NAME, cc.CONSTRAINT_NAME
