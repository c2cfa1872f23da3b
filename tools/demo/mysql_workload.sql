-- The demo shop's queries on MySQL/MariaDB, as its code sends them. Each query is one "-- name:" block;
-- "-- planted:" names the planted problem it demonstrates (tools/demo/mysql_problems.py). `dbsage demo --engine
-- mysql` runs this workload a few times after loading, so performance_schema's digests have data.

-- name: login
SELECT id, name, status FROM users WHERE email = 'user4242@example.com';

-- name: user_orders
SELECT id, status, total_cents, created_at FROM orders WHERE user_id = 42 ORDER BY created_at DESC LIMIT 20;

-- name: stale_pending_orders
-- planted: slow_query_composite_index
SELECT id, user_id, total_cents, created_at
FROM orders
WHERE status = 'pending' AND created_at < '2026-11-01'
ORDER BY created_at
LIMIT 100;

-- name: has_pending_order
-- planted: count_existence_check
SELECT COUNT(*) > 0 FROM orders WHERE user_id = 4242 AND status = 'pending';

-- name: feed_page
-- planted: offset_pagination
SELECT id, title, published_at
FROM posts
WHERE status = 'published'
ORDER BY published_at DESC
LIMIT 20 OFFSET 2000;

-- name: author_posts
SELECT id, title, published_at FROM posts WHERE author_id = 42 ORDER BY published_at DESC;

-- name: order_lines
-- planted: collation_mismatch
SELECT p.name, oi.quantity, oi.price_cents
FROM order_items AS oi JOIN products AS p ON p.sku = oi.sku
WHERE oi.order_id = 4242;

-- name: signups_in_year
SELECT COUNT(*) FROM users WHERE YEAR(created_at) = 2025;

-- name: recent_signups
SELECT id, email FROM users WHERE created_at >= '2026-11-23' ORDER BY created_at;
