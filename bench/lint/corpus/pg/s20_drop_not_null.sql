SET lock_timeout = '3s';

ALTER TABLE orders ALTER COLUMN note DROP NOT NULL;
