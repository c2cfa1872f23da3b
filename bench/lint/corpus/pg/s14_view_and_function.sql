CREATE OR REPLACE VIEW open_orders AS
    SELECT id, customer_id, created_at FROM orders WHERE status = 'open';

CREATE OR REPLACE FUNCTION order_total(p_order bigint) RETURNS numeric
    LANGUAGE sql STABLE
    AS $$ SELECT sum(amount) FROM order_lines WHERE order_id = p_order $$;
