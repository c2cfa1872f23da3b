CREATE TABLE order_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id bigint NOT NULL,
    kind text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_events_order_id_idx ON order_events (order_id);
ALTER TABLE order_events ADD CONSTRAINT order_events_kind_check CHECK (kind <> '');
