-- Secondary indexes and foreign keys, added after the data like a bulk load would.
-- Planted (see tools/demo/mysql_problems.py): posts(author_id) is indexed twice; orders_total_cents_idx serves no
-- query; orders has nothing for "pending and old"; products.sku's unique index cannot serve the join from
-- order_items (different character set).

-- step: users indexes
ALTER TABLE users ADD UNIQUE INDEX users_email_key (email), ADD INDEX users_created_at_idx (created_at);

-- step: products indexes
ALTER TABLE products ADD UNIQUE INDEX products_sku_key (sku);

-- step: orders indexes
ALTER TABLE orders ADD INDEX orders_user_id_idx (user_id), ADD INDEX orders_total_cents_idx (total_cents),
  ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);

-- step: order_items indexes
ALTER TABLE order_items ADD INDEX order_items_order_id_idx (order_id),
  ADD CONSTRAINT order_items_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders (id);

-- step: posts indexes
ALTER TABLE posts ADD INDEX posts_author_id_idx (author_id), ADD INDEX idx_posts_author (author_id),
  ADD INDEX posts_status_published_at_idx (status, published_at),
  ADD CONSTRAINT posts_author_id_fkey FOREIGN KEY (author_id) REFERENCES users (id);

-- step: generator
DROP TABLE digits;

-- step: statistics
ANALYZE TABLE users, products, orders, order_items, posts, audit_events;
