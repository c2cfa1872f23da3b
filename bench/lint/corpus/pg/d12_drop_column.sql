SET lock_timeout = '3s';

ALTER TABLE customers DROP COLUMN legacy_code;
