COMMENT ON TABLE orders IS 'One row per checkout';
COMMENT ON COLUMN orders.status IS 'open, paid, shipped, cancelled';
