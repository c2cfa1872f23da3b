ALTER TABLE orders RENAME INDEX idx_a TO idx_orders_status;
