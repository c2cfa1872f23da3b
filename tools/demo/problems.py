"""The problems planted in the demo database, with the objects involved and what a good diagnosis says.

Later areas test against this list: the checkup must report exactly the schema problems, explain must flag the
query patterns, and the advisor must propose the indexes in `fix`. Object names are schema-qualified (`public.`).

Side effects a checker should expect (and not count as extra problems):
- Of the duplicate pair on posts(author_id) the planner uses one; the other shows zero scans as well, so an unused-index
  check sees it too. Report it once, as the duplicate.
- Indexes that back a primary key or unique constraint may show zero scans; they are never unused-index candidates.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

ProblemKind = Literal[
    "fk_without_index", "duplicate_index", "unused_index", "missing_primary_key",
    "slow_query_composite_index", "count_existence_check", "offset_pagination",
]


class PlantedProblem(BaseModel, frozen=True):
    id: ProblemKind
    table: str
    objects: tuple[str, ...]  # the constraint/index/columns involved, schema-qualified
    finding: str  # what a good diagnosis says, in DBA words
    fix: str  # the SQL (or rewrite) that solves it
    query: str | None = None  # workload query (tools/demo/workload.sql) that shows it, if any


PROBLEMS: tuple[PlantedProblem, ...] = (
    PlantedProblem(
        id="fk_without_index", table="public.order_items",
        objects=("public.order_items_product_id_fkey", "public.order_items.product_id"),
        finding="foreign key order_items.product_id → products has no index starting with product_id: lookups by "
                "product scan all order items, and deleting/updating a product scans order_items under lock",
        fix="CREATE INDEX CONCURRENTLY order_items_product_id_idx ON public.order_items (product_id);",
        query="product_buyers",
    ),
    PlantedProblem(
        id="duplicate_index", table="public.posts",
        objects=("public.posts_author_id_idx", "public.idx_posts_author"),
        finding="posts_author_id_idx and idx_posts_author index the same column (author_id) the same way: one of "
                "them only costs writes and space",
        fix="DROP INDEX CONCURRENTLY public.idx_posts_author;  -- or the other one; keep exactly one",
    ),
    PlantedProblem(
        id="unused_index", table="public.orders",
        objects=("public.orders_total_cents_idx",),
        finding="orders_total_cents_idx has not been scanned since statistics were reset; no query filters or sorts "
                "on orders.total_cents, yet every order insert maintains it",
        fix="DROP INDEX CONCURRENTLY public.orders_total_cents_idx;",
    ),
    PlantedProblem(
        id="missing_primary_key", table="public.post_tags",
        objects=("public.post_tags",),
        finding="post_tags has no primary key (nor any unique constraint): duplicate rows are possible and "
                "logical replication cannot replicate its updates and deletes",
        fix="ALTER TABLE public.post_tags ADD PRIMARY KEY (post_id, tag_id);",
    ),
    PlantedProblem(
        id="slow_query_composite_index", table="public.orders",
        objects=("public.orders.status", "public.orders.created_at"),
        finding="stale_pending_orders reads every order (sequential scan) to find a few pending ones older than two "
                "weeks: neither column alone is selective, together they are",
        fix="CREATE INDEX CONCURRENTLY orders_status_created_at_idx ON public.orders (status, created_at);",
        query="stale_pending_orders",
    ),
    PlantedProblem(
        id="count_existence_check", table="public.orders",
        objects=("public.orders",),
        finding="SELECT COUNT(*) > 0 counts every matching row to answer yes/no; EXISTS stops at the first one",
        fix="SELECT EXISTS (SELECT 1 FROM orders WHERE user_id = 4242 AND status = 'pending');",
        query="has_pending_order",
    ),
    PlantedProblem(
        id="offset_pagination", table="public.posts",
        objects=("public.posts",),
        finding="LIMIT 20 OFFSET 2000 reads and throws away 2,000 rows to show 20, and gets slower page by page; "
                "keyset pagination continues from the last row seen",
        fix="SELECT id, title, published_at FROM posts WHERE status = 'published' AND published_at < $last_seen "
            "ORDER BY published_at DESC LIMIT 20;",
        query="feed_page",
    ),
)


def problem(problem_id: str) -> PlantedProblem:
    """The planted problem with this id (KeyError when there is none)."""
    for item in PROBLEMS:
        if item.id == problem_id:
            return item
    raise KeyError(problem_id)
