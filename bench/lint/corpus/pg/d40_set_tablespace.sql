SET lock_timeout = '3s';

ALTER TABLE orders SET TABLESPACE fast_ssd;
