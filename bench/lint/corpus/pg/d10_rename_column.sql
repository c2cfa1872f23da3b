SET lock_timeout = '3s';

ALTER TABLE customers RENAME COLUMN email TO email_address;
