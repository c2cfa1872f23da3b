SET lock_timeout = '3s';

ALTER TABLE tags ALTER COLUMN name SET NOT NULL;
