DROP INDEX IF EXISTS orders_legacy_status_idx;
