-- The demo app's rows, generated server-side with set-based INSERT ... SELECT. Row counts come from session
-- settings dbsage_demo.<table> that the loader sets from the scale (tools/demo/scale.py); random() is seeded by the
-- loader so every build holds the same rows. Skew is deliberate: a few authors write most posts, a few users place
-- most orders, a few products sell most, recent orders are denser and most pending orders are recent.
-- Each "-- step:" block runs as one statement and reports its row count.

-- step: categories
-- A four-level tree: 1..9 are roots, every other node's parent is id / 10.
INSERT INTO categories (id, parent_id, name, slug)
SELECT g, CASE WHEN g < 10 THEN NULL ELSE g / 10 END, 'Category ' || g, 'category-' || g
FROM generate_series(1, current_setting('dbsage_demo.categories')::int) AS g;

-- step: users
INSERT INTO users (id, email, name, country, status, created_at)
SELECT g, 'user' || g || '@example.com', 'User ' || g,
       (ARRAY['US', 'US', 'US', 'GB', 'DE', 'FR', 'IN', 'BR', 'JP', 'NZ'])[1 + floor(random() * 10)::int],
       CASE WHEN r < 0.92 THEN 'active' WHEN r < 0.95 THEN 'suspended' ELSE 'deleted' END,
       now() - 730 * random() * interval '1 day'
FROM (SELECT g, random() AS r FROM generate_series(1, current_setting('dbsage_demo.users')::int) AS g) AS s;

-- step: profiles
INSERT INTO profiles (user_id, bio, website, birth_date)
SELECT id, 'Hi, I am ' || name || '.', CASE WHEN id % 3 = 0 THEN 'https://example.com/~' || id END,
       date '1960-01-01' + floor(random() * 16000)::int
FROM users
WHERE id % 5 <> 0;

-- step: tags
INSERT INTO tags (id, name)
SELECT g, 'tag-' || g FROM generate_series(1, current_setting('dbsage_demo.tags')::int) AS g;

-- step: posts
INSERT INTO posts (id, author_id, category_id, title, body, status, created_at, published_at)
SELECT g, 1 + floor(current_setting('dbsage_demo.users')::int * power(random(), 3))::bigint,
       100 + floor((current_setting('dbsage_demo.categories')::int - 100) * random())::int,
       'Post ' || g || ': ' || left(md5(g::text), 12), repeat(md5(g::text), 4),
       CASE WHEN r < 0.85 THEN 'published' WHEN r < 0.97 THEN 'draft' ELSE 'archived' END,
       created_at, CASE WHEN r < 0.85 OR r >= 0.97 THEN created_at + interval '1 hour' END
FROM (SELECT g, random() AS r, now() - 730 * power(random(), 1.5) * interval '1 day' AS created_at
      FROM generate_series(1, current_setting('dbsage_demo.posts')::int) AS g) AS s;

-- step: post_tags
-- One to three tags per post, drawn from disjoint ranges so a post never gets the same tag twice; low tag ids are
-- popular within each range.
INSERT INTO post_tags (post_id, tag_id)
SELECT p.id, 1 + (k * 333 + floor(300 * power(random(), 2))::int) % current_setting('dbsage_demo.tags')::int
FROM posts AS p, generate_series(0, (p.id % 3)::int) AS k;

-- step: products
INSERT INTO products (id, category_id, sku, name, price_cents, stock)
SELECT g, 100 + floor((current_setting('dbsage_demo.categories')::int - 100) * power(random(), 2))::int,
       'SKU-' || lpad(g::text, 7, '0'), 'Product ' || g, 199 + floor(random() * 20000)::int,
       floor(random() * 500)::int
FROM generate_series(1, current_setting('dbsage_demo.products')::int) AS g;

-- step: orders
-- Orders of the last three days are half pending; older ones are almost all settled, so "pending and older than
-- two weeks" is a few rows among many: the shape that needs an index on (status, created_at).
INSERT INTO orders (id, user_id, status, total_cents, created_at)
SELECT g, 1 + floor(current_setting('dbsage_demo.users')::int * power(random(), 2))::bigint,
       CASE WHEN age < 3 THEN (CASE WHEN r < 0.5 THEN 'pending' WHEN r < 0.8 THEN 'paid' ELSE 'shipped' END)
            WHEN r < 0.003 THEN 'pending'
            WHEN r < 0.05 THEN 'cancelled'
            WHEN r < 0.07 THEN 'refunded'
            WHEN r < 0.10 THEN 'shipped'
            ELSE 'delivered' END,
       500 + floor(random() * 30000)::int,
       now() - age * interval '1 day'
FROM (SELECT g, 730 * power(random(), 2) AS age, random() AS r
      FROM generate_series(1, current_setting('dbsage_demo.orders')::int) AS g) AS s;

-- step: order_items
INSERT INTO order_items (id, order_id, product_id, quantity, unit_price_cents)
SELECT o.id * 4 + k - 1, o.id, 1 + floor(current_setting('dbsage_demo.products')::int * power(random(), 3))::bigint,
       1 + floor(3 * power(random(), 3))::int, 199 + floor(random() * 20000)::int
FROM orders AS o, generate_series(1, 1 + (o.id % 4)::int) AS k;
