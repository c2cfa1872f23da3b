SET lock_timeout = '3s';

ALTER TABLE customers ALTER COLUMN name TYPE varchar(200);
