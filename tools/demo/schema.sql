-- The demo app's schema: a blog and a shop sharing their users. Tables only, with primary keys;
-- foreign keys and secondary indexes come after the data (indexes.sql), as a real bulk load would do it.
-- Planted: post_tags has no primary key (see tools/demo/problems.py).

CREATE TABLE categories (
  id         integer PRIMARY KEY,
  parent_id  integer,
  name       text NOT NULL,
  slug       text NOT NULL,
  CONSTRAINT categories_slug_key UNIQUE (slug)
);

CREATE TABLE users (
  id          bigint PRIMARY KEY,
  email       text NOT NULL,
  name        text NOT NULL,
  country     text NOT NULL,
  status      text NOT NULL DEFAULT 'active',
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_email_key UNIQUE (email),
  CONSTRAINT users_status_check CHECK (status IN ('active', 'suspended', 'deleted'))
);

CREATE TABLE profiles (
  user_id     bigint PRIMARY KEY,
  bio         text,
  website     text,
  birth_date  date
);

CREATE TABLE tags (
  id    integer PRIMARY KEY,
  name  text NOT NULL,
  CONSTRAINT tags_name_key UNIQUE (name)
);

CREATE TABLE posts (
  id            bigint PRIMARY KEY,
  author_id     bigint NOT NULL,
  category_id   integer NOT NULL,
  title         text NOT NULL,
  body          text NOT NULL,
  status        text NOT NULL DEFAULT 'draft',
  created_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz,
  CONSTRAINT posts_status_check CHECK (status IN ('draft', 'published', 'archived'))
);

-- No primary key: the join table a migration forgot to give one.
CREATE TABLE post_tags (
  post_id  bigint NOT NULL,
  tag_id   integer NOT NULL
);

CREATE TABLE products (
  id           bigint PRIMARY KEY,
  category_id  integer NOT NULL,
  sku          text NOT NULL,
  name         text NOT NULL,
  price_cents  integer NOT NULL,
  stock        integer NOT NULL DEFAULT 0,
  CONSTRAINT products_sku_key UNIQUE (sku),
  CONSTRAINT products_price_check CHECK (price_cents >= 0)
);

CREATE TABLE orders (
  id           bigint PRIMARY KEY,
  user_id      bigint NOT NULL,
  status       text NOT NULL,
  total_cents  integer NOT NULL,
  created_at   timestamptz NOT NULL,
  CONSTRAINT orders_status_check CHECK (status IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'))
);

CREATE TABLE order_items (
  id                bigint PRIMARY KEY,
  order_id          bigint NOT NULL,
  product_id        bigint NOT NULL,
  quantity          integer NOT NULL,
  unit_price_cents  integer NOT NULL,
  CONSTRAINT order_items_quantity_check CHECK (quantity > 0)
);
