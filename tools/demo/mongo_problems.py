"""The MongoDB demo shop (built by tools/engines/mongo/demo.py): the app's queries in mongosh syntax, and the problems
planted in it with what a good diagnosis says.

Object names are `collection[.field|.index]` (the database is `dbsage_demo`). The tests check that `check`,
`explain` and `advise` find each one on SecantusDB; `dbsage demo --engine mongodb` lists them. The unused index is
judged only on a server that keeps `$indexStats` counters (a real mongod; SecantusDB reports none, and the checkup
says so).
"""

from __future__ import annotations

from dbsage.tools.demo.mysql_problems import PlantedProblem

MONGO_QUERIES: tuple[tuple[str, str], ...] = (
    ("stale_pending_orders",
     "db.orders.find({status: 'pending', created_at: {$lt: ISODate('2025-03-01T00:00:00Z')}})"
     ".sort({created_at: 1}).limit(50)"),
    ("recent_orders_by_status",
     "db.orders.find({status: 'shipped', created_at: {$gte: ISODate('2025-06-01T00:00:00Z')}})"),
    ("customer_order_totals", "db.orders.find({customer_no: 77}, {total: 1, created_at: 1, _id: 0})"),
    ("orders_with_customer",
     "db.orders.aggregate([{$match: {customer_no: 42}}, {$lookup: {from: 'customers', localField: 'customer_no', "
     "foreignField: 'customer_no', as: 'customer'}}])"),
    ("product_search", "db.products.find({name: /phone/i}).limit(20)"),
)

MONGO_PROBLEMS: tuple[PlantedProblem, ...] = (
    PlantedProblem(
        id="slow_query_composite_index", table="orders", objects=("orders.status", "orders.created_at"),
        finding="stale_pending_orders reads every order (COLLSCAN) and sorts the pending ones in memory; an index "
                "on {status: 1, created_at: 1} (ESR: equality, then the sort) reads only those, already in order",
        fix='db.getCollection("orders").createIndex({status: 1, created_at: 1})',
        query="stale_pending_orders",
    ),
    PlantedProblem(
        id="esr_breaking_index", table="orders", objects=("orders.created_at_1_status_1",),
        finding="created_at_1_status_1 puts the range field before the equality field: recent_orders_by_status "
                "walks every created_at key in the range and skips the other statuses",
        fix='db.getCollection("orders").createIndex({status: 1, created_at: 1}); then hide and drop '
            "created_at_1_status_1",
    ),
    PlantedProblem(
        id="unused_index", table="orders", objects=("orders.coupon_code_1",),
        finding="coupon_code_1 serves no query of the app, yet every order insert maintains it ($indexStats ops 0 "
                "on a real mongod)",
        fix='db.getCollection("orders").hideIndex("coupon_code_1"), later dropIndex',
    ),
    PlantedProblem(
        id="unbounded_array", table="orders", objects=("orders.events",),
        finding="orders.events grows with every status change and holds over a thousand elements in some orders",
        fix="keep the latest events in the order ($push with $slice) and the history in an order_events collection",
    ),
    PlantedProblem(
        id="lookup_without_index", table="customers", objects=("customers.customer_no",),
        finding="orders_with_customer looks customers up by customer_no, which has no index: every lookup reads the "
                "whole customers collection",
        fix='db.getCollection("customers").createIndex({customer_no: 1})',
        query="orders_with_customer",
    ),
    PlantedProblem(
        id="unanchored_regex", table="products", objects=("products.name",),
        finding="product_search matches /phone/i: no anchored prefix, so every product name is tested",
        fix="anchor the pattern (/^phone/) or use a text / Atlas Search index for words",
        query="product_search",
    ),
    PlantedProblem(
        id="ttl_wrong_type", table="sessions", objects=("sessions.expires_at_1",),
        finding="the TTL index on sessions.expires_at never expires anything: the field holds strings, not dates",
        fix="store expires_at as a BSON date (new Date(...)) and convert the old ones with $toDate",
    ),
)
