"""The problems planted in the MySQL/MariaDB demo shop (tools/demo/mysql_*.sql), with what a good diagnosis says.

The tests check that `check` and `explain` find each one on a real MariaDB; `dbsage demo --engine mysql` lists them.
Object names are `schema.table[.column|.index]` with the schema left out (the demo database).
"""

from __future__ import annotations

from pydantic import BaseModel


class PlantedProblem(BaseModel, frozen=True):
    """As tools/demo/problems.PlantedProblem, with MySQL's own problem ids (collation_mismatch has no PostgreSQL
    twin; fk_without_index cannot happen: InnoDB indexes every foreign key)."""

    id: str
    table: str
    objects: tuple[str, ...]
    finding: str
    fix: str
    query: str | None = None

MYSQL_PROBLEMS: tuple[PlantedProblem, ...] = (
    PlantedProblem(
        id="missing_primary_key", table="order_items", objects=("order_items",),
        finding="order_items has no primary key: InnoDB clusters it on a hidden row id, row-based replicas scan "
                "it for every changed row, and duplicate lines are possible",
        fix="ALTER TABLE order_items ADD COLUMN id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY FIRST;",
    ),
    PlantedProblem(
        id="duplicate_index", table="posts", objects=("posts.posts_author_id_idx", "posts.idx_posts_author"),
        finding="posts_author_id_idx and idx_posts_author index the same column; the foreign key needs only one",
        fix="ALTER TABLE posts DROP INDEX posts_author_id_idx, ALGORITHM=INPLACE, LOCK=NONE;",
    ),
    PlantedProblem(
        id="unused_index", table="orders", objects=("orders.orders_total_cents_idx",),
        finding="orders_total_cents_idx is never read by the workload, yet every order insert maintains it",
        fix="ALTER TABLE orders DROP INDEX orders_total_cents_idx, ALGORITHM=INPLACE, LOCK=NONE;",
    ),
    PlantedProblem(
        id="slow_query_composite_index", table="orders", objects=("orders.status", "orders.created_at"),
        finding="stale_pending_orders reads every order and sorts the pending ones; an index on (status, "
                "created_at) reads only those, already in order",
        fix="ALTER TABLE orders ADD INDEX orders_status_created_at_idx (status, created_at), ALGORITHM=INPLACE, "
            "LOCK=NONE;",
        query="stale_pending_orders",
    ),
    PlantedProblem(
        id="collation_mismatch", table="products", objects=("products.sku", "order_items.sku"),
        finding="products.sku is latin1 and order_items.sku utf8mb4: the join converts products.sku on every row "
                "and cannot use its unique index",
        fix="ALTER TABLE products MODIFY sku VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL;",
        query="order_lines",
    ),
    PlantedProblem(
        id="count_existence_check", table="orders", objects=("orders",),
        finding="SELECT COUNT(*) > 0 counts every matching row to answer yes/no; EXISTS stops at the first one",
        fix="SELECT EXISTS (SELECT 1 FROM orders WHERE user_id = 4242 AND status = 'pending');",
        query="has_pending_order",
    ),
    PlantedProblem(
        id="offset_pagination", table="posts", objects=("posts",),
        finding="LIMIT 20 OFFSET 2000 reads and throws away 2,000 rows to show 20; keyset pagination does not",
        fix="SELECT id, title, published_at FROM posts WHERE status = 'published' AND published_at < :last_seen "
            "ORDER BY published_at DESC LIMIT 20;",
        query="feed_page",
    ),
)
