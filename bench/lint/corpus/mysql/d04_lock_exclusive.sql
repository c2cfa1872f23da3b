ALTER TABLE orders ADD INDEX idx_orders_created (created_at), LOCK=EXCLUSIVE;
