"""Builds the MongoDB demo shop (`dbsage_demo`: customers, products, orders, sessions) with the problems planted
in tools/demo/mongo_problems.py. Setup, not the agent: a normal, writing client, only on the database it creates
(and `dbsage_demo_scratch`, which the advisor may write to verify its candidates).

Idempotent like the other loaders: a finished build leaves a marker document (demo version and scale) in the
collection `dbsage_demo_build`; a later run that finds it reuses the database, anything else is dropped and rebuilt.
After the load the profiler records the app's queries (level 2 while they run, then level 1 with slowms 100, so
`top`, `check` and `advise` have shapes to read).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pymongo
from pymongo.errors import OperationFailure, PyMongoError

from dbsage.tools.demo import DEMO_DATABASE
from dbsage.tools.demo.database import DemoDatabase, OnStep, StepReport
from dbsage.tools.demo.mongo_problems import MONGO_QUERIES
from dbsage.tools.demo.scale import DemoScale
from dbsage.tools.engines.mongo.literals import to_bson
from dbsage.tools.errors import CapabilityMissing, DatabaseError, TargetUnreachable
from dbsage.tools.guard.mongo_shell import parse_mongo_query
from dbsage.tools.redact import redact

MONGO_DEMO_VERSION = 1
WORKLOAD_RUNS = 3
FULL_DOCUMENTS = {"customers": 10_000, "products": 5_000, "orders": 100_000, "sessions": 2_000}
_MARKER = "dbsage_demo_build"
_START = datetime(2025, 1, 1, tzinfo=UTC)
_STATUSES = ["pending"] * 1 + ["paid"] * 3 + ["shipped"] * 5 + ["delivered"] * 10 + ["cancelled"]


def mongo_workload() -> list[tuple[str, str]]:
    return list(MONGO_QUERIES)


def _counts(scale: DemoScale) -> dict[str, int]:
    counts = {name: max(1, round(n * scale.factor)) for name, n in FULL_DOCUMENTS.items()}
    counts["orders"] = max(counts["orders"], 12_000)  # a COLLSCAN must be of a "large" collection at every scale
    counts["customers"] = max(counts["customers"], 500)
    counts["products"] = max(counts["products"], 500)
    return counts


class MongoDemoLoader:
    """Finds or builds the demo database on the MongoDB server `uri` points at."""

    def __init__(self, uri: str, on_step: OnStep | None = None, database: str = DEMO_DATABASE) -> None:
        self.uri = uri
        self.database = database
        self.on_step = on_step or (lambda _step: None)

    def ensure(self, scale: DemoScale, rebuild: bool = False) -> DemoDatabase:
        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
            self.uri, appname="dbsage-demo-setup", serverSelectionTimeoutMS=5_000, timeoutMS=600_000)
        try:
            db = client[self.database]
            marker = db[_MARKER].find_one({"_id": 1}) if _MARKER in db.list_collection_names() else None
            if marker and not rebuild and marker.get("version") == MONGO_DEMO_VERSION \
                    and marker.get("scale") == scale.name:
                return DemoDatabase(name=self.database, version=MONGO_DEMO_VERSION, scale=scale.name, reused=True,
                                    rows=marker.get("rows", {}), load_seconds=marker.get("load_seconds"),
                                    workload_runs=marker.get("runs", 0))
            reason = None if marker is None else "--rebuild" if rebuild else "an earlier build is outdated"
            built = self._build(client, scale)
            built.rebuilt_because = reason
            db[_MARKER].insert_one({"_id": 1, "version": built.version, "scale": built.scale, "rows": built.rows,
                                    "load_seconds": built.load_seconds, "runs": built.workload_runs})
            return built
        except OperationFailure as exc:
            if exc.code in (13, 18):
                raise CapabilityMissing(f"this login may not create the database {self.database}: "
                                        f"{redact(str(exc))[:200]}",
                                        "use --db with a login that may write dbsage_demo (readWrite)") from None
            raise DatabaseError(f"loading the demo failed: {redact(str(exc))[:300]}",
                                "run the demo again: an unfinished build is dropped and redone") from None
        except PyMongoError as exc:
            raise TargetUnreachable(f"cannot load the demo on {redact(str(exc)).split(', Timeout:')[0][:300]}",
                                    "start a MongoDB-wire server (SecantusDB: secantusd-py --port 27017) or pass "
                                    "--db mongodb://host:27017/") from None
        finally:
            client.close()

    def _build(self, client: pymongo.MongoClient[dict[str, Any]], scale: DemoScale) -> DemoDatabase:
        started = time.monotonic()
        built = DemoDatabase(name=self.database, version=MONGO_DEMO_VERSION, scale=scale.name, reused=False)
        client.drop_database(self.database)
        db = client[self.database]
        counts = _counts(scale)
        rng = random.Random(18)
        for name, make in (("customers", _customer), ("products", _product), ("orders", _order),
                           ("sessions", _session)):
            step = time.monotonic()
            total = counts[name]
            for first in range(0, total, 5_000):
                db[name].insert_many([make(i, rng, counts) for i in range(first, min(first + 5_000, total))],
                                     ordered=False)
            built.rows[name] = total
            self.on_step(StepReport(name=name, rows=total, seconds=round(time.monotonic() - step, 2)))
        step = time.monotonic()
        db.orders.create_index([("created_at", 1), ("status", 1)], name="created_at_1_status_1")  # against ESR
        db.orders.create_index([("coupon_code", 1)], name="coupon_code_1")  # no query uses it
        db.sessions.create_index([("expires_at", 1)], name="expires_at_1", expireAfterSeconds=3_600)  # strings
        db.products.create_index([("sku", 1)], name="sku_1", unique=True)
        self.on_step(StepReport(name="indexes", seconds=round(time.monotonic() - step, 2)))
        step = time.monotonic()
        built.workload_runs = run_workload(db, WORKLOAD_RUNS)
        self.on_step(StepReport(name="workload", seconds=round(time.monotonic() - step, 2)))
        built.load_seconds = round(time.monotonic() - started, 2)
        return built


def run_workload(db: Any, runs: int) -> int:
    """Run the app's queries `runs` times with the profiler recording everything, then leave it at level 1."""
    db.command("profile", 2, slowms=0)
    try:
        for _ in range(runs):
            for _name, text in MONGO_QUERIES:
                command = to_bson(parse_mongo_query(text).command)
                db.command(command)
    finally:
        db.command("profile", 1, slowms=100)
    return runs


def _customer(i: int, rng: random.Random, counts: dict[str, int]) -> dict[str, Any]:
    return {"customer_no": i, "name": f"customer {i}", "email": f"customer{i}@example.com",
            "country": rng.choice(["DE", "FR", "US", "GB", "JP", "BR"]), "created_at": _START - timedelta(days=i % 700)}


def _product(i: int, rng: random.Random, counts: dict[str, int]) -> dict[str, Any]:
    kind = rng.choice(["phone", "laptop", "cable", "case", "charger", "headphones"])
    return {"sku": f"SKU-{i:06d}", "name": f"{rng.choice(['Acme', 'Globex', 'Initech'])} {kind} {i}",
            "price": round(rng.uniform(3, 900), 2), "tags": [kind]}


def _order(i: int, rng: random.Random, counts: dict[str, int]) -> dict[str, Any]:
    status = rng.choice(_STATUSES)
    created = _START + timedelta(minutes=7 * i)
    events = [{"at": created + timedelta(hours=h), "status": status} for h in range(1_200 if i % 25 == 0 else 2)]
    return {"order_no": i, "customer_no": rng.randrange(counts["customers"]), "status": status,
            "created_at": created, "total": round(rng.uniform(5, 2_000), 2),
            "items": [{"sku": f"SKU-{rng.randrange(counts['products']):06d}", "qty": rng.randint(1, 3)}
                      for _ in range(rng.randint(1, 4))],
            "coupon_code": f"C{i}" if i % 97 == 0 else None, "events": events}


def _session(i: int, rng: random.Random, counts: dict[str, int]) -> dict[str, Any]:
    expires = _START + timedelta(hours=i)
    return {"customer_no": rng.randrange(counts["customers"]), "expires_at": expires.isoformat()}  # a string
