CREATE TABLE invoices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id bigint NOT NULL,
    issued_at timestamptz NOT NULL DEFAULT now(),
    total numeric(12, 2) NOT NULL
);
CREATE INDEX invoices_order_id_idx ON invoices (order_id);
