-- The demo shop on MySQL/MariaDB: users, products, orders, order_items, posts. Tables with their primary keys;
-- secondary indexes and foreign keys come after the data (mysql_indexes.sql), as a bulk load would do it.
-- Planted (see tools/demo/mysql_problems.py): order_items has no primary key; products.sku is latin1 while
-- order_items.sku is utf8mb4, so the join between them converts one side and cannot use products' index;
-- audit_events' INT auto-increment is close to its limit.

CREATE TABLE users (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email       VARCHAR(191) NOT NULL,
  name        VARCHAR(100) NOT NULL,
  country     CHAR(2) NOT NULL,
  status      VARCHAR(16) NOT NULL DEFAULT 'active',
  created_at  DATETIME NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='people with an account';

CREATE TABLE products (
  id           INT NOT NULL PRIMARY KEY,
  sku          VARCHAR(32) CHARACTER SET latin1 COLLATE latin1_swedish_ci NOT NULL,
  name         VARCHAR(200) NOT NULL,
  price_cents  INT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='the shop catalogue';

CREATE TABLE orders (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id      BIGINT UNSIGNED NOT NULL,
  status       VARCHAR(16) NOT NULL,
  created_at   DATETIME NOT NULL,
  total_cents  INT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='shop orders; pending until paid';

CREATE TABLE order_items (
  order_id     BIGINT UNSIGNED NOT NULL,
  sku          VARCHAR(32) NOT NULL,
  quantity     INT NOT NULL,
  price_cents  INT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='lines of an order';

CREATE TABLE posts (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  author_id     BIGINT UNSIGNED NOT NULL,
  status        VARCHAR(16) NOT NULL,
  title         VARCHAR(200) NOT NULL,
  published_at  DATETIME NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='blog posts';

CREATE TABLE audit_events (
  id      INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind    VARCHAR(32) NOT NULL,
  at      DATETIME NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci AUTO_INCREMENT=2000000000
  COMMENT='append-only audit trail';

CREATE TABLE digits (d TINYINT NOT NULL PRIMARY KEY) ENGINE=InnoDB COMMENT='0..9, a generator for the load';
INSERT INTO digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9);
