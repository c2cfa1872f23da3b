SET lock_timeout = '3s';

ALTER TABLE orders ADD COLUMN priority integer DEFAULT 0;
