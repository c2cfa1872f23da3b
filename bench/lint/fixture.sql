-- The live fixture for the lint bench (and nothing else): table sizes decide the verdict of the cases marked
-- live = true. orders and customers are big enough to hurt; tags and countries are tiny lookup tables.
DROP TABLE IF EXISTS tags, countries, orders, customers CASCADE;
CREATE TABLE customers (
    id bigint PRIMARY KEY,
    name varchar(100) NOT NULL,
    email varchar(200)
);
INSERT INTO customers SELECT g, 'customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, 300000) g;
CREATE TABLE orders (
    id integer PRIMARY KEY,
    customer_id bigint,
    amount integer NOT NULL,
    status text,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO orders (id, customer_id, amount, status, created_at)
SELECT g, 1 + g % 300000, g % 1000, 'paid', now() - g * interval '1 minute' FROM generate_series(1, 1000000) g;
CREATE TABLE countries (id integer PRIMARY KEY, name text NOT NULL);
INSERT INTO countries SELECT g, 'country ' || g FROM generate_series(1, 200) g;
CREATE TABLE tags (id integer PRIMARY KEY, name text, country_id integer);
INSERT INTO tags SELECT g, 'tag ' || g, 1 + g % 200 FROM generate_series(1, 20) g;
ANALYZE customers, orders, countries, tags;
