CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS customers_email_uniq ON customers (email);
SET lock_timeout = '3s';
ALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE USING INDEX customers_email_uniq;
