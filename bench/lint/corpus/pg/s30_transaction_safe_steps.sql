BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE orders ADD COLUMN coupon_code text;
COMMENT ON COLUMN orders.coupon_code IS 'applied coupon, if any';
COMMIT;
