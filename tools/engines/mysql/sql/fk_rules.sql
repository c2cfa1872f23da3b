-- ON UPDATE / ON DELETE actions of foreign keys (joined to their columns in Python).
SELECT rc.CONSTRAINT_SCHEMA AS `schema`, rc.TABLE_NAME AS `table`, rc.CONSTRAINT_NAME AS name,
       rc.UPDATE_RULE AS update_rule, rc.DELETE_RULE AS delete_rule
FROM information_schema.REFERENTIAL_CONSTRAINTS rc
WHERE rc.CONSTRAINT_SCHEMA IN %(schemas)s
  AND (%(table)s IS NULL OR rc.TABLE_NAME = %(table)s)
