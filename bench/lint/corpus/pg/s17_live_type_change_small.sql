SET lock_timeout = '3s';

ALTER TABLE tags ALTER COLUMN id TYPE bigint;
