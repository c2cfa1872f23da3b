-- The demo shop's rows on MySQL/MariaDB, generated server-side with INSERT ... SELECT over a digits table (works on
-- both servers: no generate_series, no sequence engine). Row counts come from user variables @demo_<table> that the
-- loader sets from the scale. "Random" values are CRC32 hashes of the row number, so every build holds the same rows.
-- Skew is deliberate: a few users place most orders and a few authors write most posts; most pending orders are
-- recent. Each "-- step:" block runs as one statement and reports its row count.

-- step: users
INSERT INTO users (id, email, name, country, status, created_at)
SELECT n, CONCAT('user', n, '@example.com'), CONCAT('User ', n),
       ELT(1 + CRC32(CONCAT('c', n)) % 10, 'US', 'US', 'US', 'GB', 'DE', 'FR', 'IN', 'BR', 'JP', 'NZ'),
       IF(CRC32(CONCAT('s', n)) % 100 < 92, 'active', IF(CRC32(CONCAT('s', n)) % 100 < 95, 'suspended', 'deleted')),
       TIMESTAMP('2026-11-30') - INTERVAL (CRC32(CONCAT('t', n)) % 1051200) MINUTE
FROM (SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 100000 * g.d AS n
      FROM digits a, digits b, digits c, digits e, digits f, digits g) AS numbers
WHERE n <= @demo_users;

-- step: products
INSERT INTO products (id, sku, name, price_cents)
SELECT n, CONCAT('SKU-', LPAD(n, 6, '0')), CONCAT('Product ', n), 199 + CRC32(CONCAT('p', n)) % 20000
FROM (SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d AS n FROM digits a, digits b, digits c, digits e) AS numbers
WHERE n <= @demo_products;

-- step: orders
INSERT INTO orders (id, user_id, status, created_at, total_cents)
SELECT n,
       1 + FLOOR(POW((CRC32(CONCAT('u', n)) % 10000) / 10000, 3) * @demo_users),
       IF(CRC32(CONCAT('s', n)) % 100 < 3, 'pending', IF(CRC32(CONCAT('s', n)) % 100 < 60, 'shipped', 'paid')),
       TIMESTAMP('2026-11-30') - INTERVAL FLOOR(POW((CRC32(CONCAT('t', n)) % 10000) / 10000, 2) * 525600) MINUTE,
       500 + CRC32(CONCAT('c', n)) % 50000
FROM (SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 100000 * g.d AS n
      FROM digits a, digits b, digits c, digits e, digits f, digits g) AS numbers
WHERE n <= @demo_orders;

-- step: order_items
INSERT INTO order_items (order_id, sku, quantity, price_cents)
SELECT 1 + (n - 1) DIV 2, CONCAT('SKU-', LPAD(1 + FLOOR(POW((CRC32(CONCAT('p', n)) % 10000) / 10000, 2)
                                                 * @demo_products), 6, '0')),
       1 + CRC32(CONCAT('q', n)) % 4, 199 + CRC32(CONCAT('r', n)) % 20000
FROM (SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 100000 * g.d + 1000000 * h.d AS n
      FROM digits a, digits b, digits c, digits e, digits f, digits g, digits h) AS numbers
WHERE n <= 2 * @demo_orders;

-- step: posts
INSERT INTO posts (id, author_id, status, title, published_at)
SELECT n, 1 + FLOOR(POW((CRC32(CONCAT('a', n)) % 10000) / 10000, 4) * @demo_users),
       IF(CRC32(CONCAT('s', n)) % 100 < 80, 'published', 'draft'), CONCAT('Post number ', n),
       IF(CRC32(CONCAT('s', n)) % 100 < 80,
          TIMESTAMP('2026-11-30') - INTERVAL (CRC32(CONCAT('t', n)) % 1051200) MINUTE, NULL)
FROM (SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 100000 * g.d AS n
      FROM digits a, digits b, digits c, digits e, digits f, digits g) AS numbers
WHERE n <= @demo_posts;

-- step: audit_events
INSERT INTO audit_events (kind, at)
SELECT ELT(1 + n % 3, 'login', 'logout', 'password_change'), TIMESTAMP('2026-11-30') - INTERVAL n MINUTE
FROM (SELECT 1 + a.d + 10 * b.d + 100 * c.d AS n FROM digits a, digits b, digits c) AS numbers;
