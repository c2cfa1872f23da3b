-- Base tables in scope with size, engine, collation, whether they have a primary key (or a NOT NULL unique key,
-- which InnoDB uses as its clustered key) and their auto-increment column with its type.
SELECT t.TABLE_SCHEMA AS `schema`, t.TABLE_NAME AS name, t.ENGINE AS engine, t.TABLE_ROWS AS row_estimate,
       t.DATA_LENGTH AS data_bytes, t.INDEX_LENGTH AS index_bytes, t.TABLE_COLLATION AS collation,
       t.AUTO_INCREMENT AS auto_increment,
       EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS c
               WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME
                 AND c.CONSTRAINT_TYPE = 'PRIMARY KEY') AS has_primary_key,
       EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS c
               WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME
                 AND c.CONSTRAINT_TYPE = 'UNIQUE') AS has_unique,
       (SELECT col.COLUMN_NAME FROM information_schema.COLUMNS col
        WHERE col.TABLE_SCHEMA = t.TABLE_SCHEMA AND col.TABLE_NAME = t.TABLE_NAME
          AND col.EXTRA LIKE '%%auto_increment%%' LIMIT 1) AS auto_column,
       (SELECT col.COLUMN_TYPE FROM information_schema.COLUMNS col
        WHERE col.TABLE_SCHEMA = t.TABLE_SCHEMA AND col.TABLE_NAME = t.TABLE_NAME
          AND col.EXTRA LIKE '%%auto_increment%%' LIMIT 1) AS auto_type
FROM information_schema.TABLES t
WHERE t.TABLE_TYPE = 'BASE TABLE' AND t.TABLE_SCHEMA IN %(schemas)s
ORDER BY t.TABLE_SCHEMA, t.TABLE_NAME
