CREATE TABLE import_staging (id bigint, payload jsonb);
ALTER TABLE import_staging RENAME COLUMN payload TO body;
DROP TABLE import_staging;
