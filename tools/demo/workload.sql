-- The demo app's queries, as its code sends them (constants inlined, as pg_stat_statements normalises them anyway).
-- Each query is one "-- name:" block; "-- planted:" names the planted problem it demonstrates (tools/demo/problems.py).
-- `dbsage demo` runs this workload a few times after loading so the statistics views have data; the advisor, the
-- checkup and explain read it from here (tools/demo/workload.py parses it).

-- name: login
SELECT id, name, status FROM users WHERE email = 'user4242@example.com';

-- name: user_profile
SELECT u.name, u.country, p.bio, p.website
FROM users AS u JOIN profiles AS p ON p.user_id = u.id
WHERE u.id = 4242;

-- name: category_children
SELECT id, name FROM categories WHERE parent_id = 12 ORDER BY name;

-- name: category_path
WITH RECURSIVE path AS (
  SELECT id, parent_id, name, 1 AS depth FROM categories WHERE id = 1234
  UNION ALL
  SELECT c.id, c.parent_id, c.name, path.depth + 1 FROM categories AS c JOIN path ON c.id = path.parent_id
)
SELECT name FROM path ORDER BY depth DESC;

-- name: feed_page
-- planted: offset_pagination
SELECT id, title, published_at
FROM posts
WHERE status = 'published'
ORDER BY published_at DESC
LIMIT 20 OFFSET 2000;

-- name: author_posts
SELECT id, title, created_at FROM posts WHERE author_id = 4242 ORDER BY created_at DESC;

-- name: category_post_count
SELECT count(*) FROM posts WHERE category_id = 150 AND status = 'published';

-- name: post_tag_names
SELECT t.name FROM post_tags AS pt JOIN tags AS t ON t.id = pt.tag_id WHERE pt.post_id = 1234 ORDER BY t.name;

-- name: posts_by_tag
SELECT p.id, p.title
FROM post_tags AS pt JOIN posts AS p ON p.id = pt.post_id
WHERE pt.tag_id = 900
ORDER BY p.published_at DESC NULLS LAST
LIMIT 20;

-- name: category_products
SELECT id, name, price_cents FROM products WHERE category_id = 150 ORDER BY price_cents LIMIT 20;

-- name: user_orders
SELECT id, status, total_cents, created_at FROM orders WHERE user_id = 4242 ORDER BY created_at DESC LIMIT 20;

-- name: has_pending_order
-- planted: count_existence_check
SELECT COUNT(*) > 0 FROM orders WHERE user_id = 4242 AND status = 'pending';

-- name: order_lines
SELECT product_id, quantity, unit_price_cents FROM order_items WHERE order_id = 1234;

-- name: product_buyers
-- planted: fk_without_index
SELECT count(DISTINCT o.user_id)
FROM order_items AS oi JOIN orders AS o ON o.id = oi.order_id
WHERE oi.product_id = 77;

-- name: stale_pending_orders
-- planted: slow_query_composite_index
SELECT id, user_id, total_cents, created_at
FROM orders
WHERE status = 'pending' AND created_at < now() - interval '14 days'
ORDER BY created_at
LIMIT 50;
