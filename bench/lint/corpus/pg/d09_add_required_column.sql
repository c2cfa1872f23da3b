SET lock_timeout = '3s';

ALTER TABLE customers ADD COLUMN region text NOT NULL;
