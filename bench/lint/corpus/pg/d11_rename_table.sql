SET lock_timeout = '3s';

ALTER TABLE orders RENAME TO purchase_orders;
