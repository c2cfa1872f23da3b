SET lock_timeout = '3s';

ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount >= 0);
