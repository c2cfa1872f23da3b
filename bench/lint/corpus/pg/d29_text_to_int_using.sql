SET lock_timeout = '3s';

ALTER TABLE orders ALTER COLUMN status TYPE integer USING status::integer;
