SET lock_timeout = '3s';

ALTER TABLE orders ADD COLUMN imported_at timestamptz DEFAULT clock_timestamp();
