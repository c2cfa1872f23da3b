-- Foreign keys, secondary indexes and comments, added after the data like a bulk load would.
-- Planted (see tools/demo/problems.py): order_items.product_id has a foreign key and no index; posts(author_id) is
-- indexed twice; orders_total_cents_idx serves no query; orders has nothing for "pending and old".

-- step: foreign keys
ALTER TABLE categories ADD CONSTRAINT categories_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES categories (id);
ALTER TABLE profiles ADD CONSTRAINT profiles_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE posts ADD CONSTRAINT posts_author_id_fkey FOREIGN KEY (author_id) REFERENCES users (id);
ALTER TABLE posts ADD CONSTRAINT posts_category_id_fkey FOREIGN KEY (category_id) REFERENCES categories (id);
ALTER TABLE post_tags ADD CONSTRAINT post_tags_post_id_fkey FOREIGN KEY (post_id) REFERENCES posts (id);
ALTER TABLE post_tags ADD CONSTRAINT post_tags_tag_id_fkey FOREIGN KEY (tag_id) REFERENCES tags (id);
ALTER TABLE products ADD CONSTRAINT products_category_id_fkey FOREIGN KEY (category_id) REFERENCES categories (id);
ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE order_items ADD CONSTRAINT order_items_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders (id);
ALTER TABLE order_items ADD CONSTRAINT order_items_product_id_fkey FOREIGN KEY (product_id) REFERENCES products (id);

-- step: indexes
CREATE INDEX categories_parent_id_idx ON categories (parent_id);
CREATE INDEX posts_author_id_idx ON posts (author_id);
CREATE INDEX idx_posts_author ON posts (author_id);
CREATE INDEX posts_category_id_idx ON posts (category_id);
CREATE INDEX posts_status_published_at_idx ON posts (status, published_at);
CREATE INDEX post_tags_post_id_idx ON post_tags (post_id);
CREATE INDEX post_tags_tag_id_idx ON post_tags (tag_id);
CREATE INDEX products_category_id_idx ON products (category_id);
CREATE INDEX orders_user_id_idx ON orders (user_id);
CREATE INDEX orders_total_cents_idx ON orders (total_cents);
CREATE INDEX order_items_order_id_idx ON order_items (order_id);

-- step: comments
COMMENT ON TABLE categories IS 'product and post categories: a tree through parent_id';
COMMENT ON TABLE users IS 'people with an account, on the blog and in the shop';
COMMENT ON COLUMN users.email IS 'login address, unique';
COMMENT ON TABLE profiles IS 'optional public profile, one per user';
COMMENT ON TABLE tags IS 'post tags';
COMMENT ON TABLE posts IS 'blog posts; published_at is set when a post goes live';
COMMENT ON TABLE post_tags IS 'which tags a post carries';
COMMENT ON TABLE products IS 'the shop catalogue';
COMMENT ON COLUMN products.price_cents IS 'list price in cents';
COMMENT ON TABLE orders IS 'shop orders; pending until paid';
COMMENT ON TABLE order_items IS 'lines of an order';
