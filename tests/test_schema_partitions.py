"""`schema` of a real partitioned schema: partition key, partitions with bounds and sizes, the tree's totals on the
parent (which itself stores nothing), sub-partitions, triggers, views and materialized views — compared with what
the catalog says when asked directly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest

from cli import run_dbsage
from dbsage.tools.engines import SessionLimits, connect
from dbsage.tools.engines.postgres.adapter import PostgresEngine
from dbsage.tools.targets import resolve

SETUP = """
CREATE SCHEMA sales;
CREATE TABLE sales.customer (customer_id int PRIMARY KEY, region text NOT NULL);
CREATE TABLE sales.payment (
  payment_id bigint NOT NULL, customer_id int NOT NULL REFERENCES sales.customer, amount numeric(8,2),
  payment_date timestamptz NOT NULL, PRIMARY KEY (payment_date, payment_id)
) PARTITION BY RANGE (payment_date);
CREATE TABLE sales.payment_2024_01 PARTITION OF sales.payment FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
CREATE TABLE sales.payment_2024_02 PARTITION OF sales.payment FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
CREATE TABLE sales.payment_2024_03 PARTITION OF sales.payment FOR VALUES FROM ('2024-03-01') TO ('2024-04-01')
  PARTITION BY RANGE (payment_id);
CREATE TABLE sales.payment_2024_03_small PARTITION OF sales.payment_2024_03 FOR VALUES FROM (MINVALUE) TO (1000);
CREATE TABLE sales.payment_2024_03_rest PARTITION OF sales.payment_2024_03 DEFAULT;
CREATE TABLE sales.payment_other PARTITION OF sales.payment DEFAULT;
CREATE INDEX payment_customer ON sales.payment (customer_id);
INSERT INTO sales.customer SELECT g, 'r' || (g % 4) FROM generate_series(1, 50) g;
INSERT INTO sales.payment SELECT g, 1 + g % 50, g % 90, '2024-01-01'::timestamptz + (g % 100) * interval '1 day'
  FROM generate_series(1, 30000) g;
ANALYZE;
CREATE FUNCTION sales.stamp() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER payment_stamp BEFORE INSERT OR UPDATE ON sales.payment FOR EACH ROW EXECUTE FUNCTION sales.stamp();
CREATE TRIGGER customer_audit AFTER DELETE ON sales.customer FOR EACH STATEMENT EXECUTE FUNCTION sales.stamp();
ALTER TABLE sales.customer DISABLE TRIGGER customer_audit;
CREATE VIEW sales.big_payments AS SELECT payment_id, amount FROM sales.payment WHERE amount > 80;
CREATE MATERIALIZED VIEW sales.monthly AS
  SELECT date_trunc('month', payment_date AT TIME ZONE 'UTC') AS month, sum(amount) AS total
  FROM sales.payment GROUP BY 1;
CREATE MATERIALIZED VIEW sales.later AS SELECT 1 AS x WITH NO DATA;
"""


@pytest.fixture(scope="module")
def dsn(make_pg_db) -> str:
    return make_pg_db(SETUP)


@pytest.fixture(scope="module")
def engine(dsn: str) -> Iterator[PostgresEngine]:
    engine = connect(resolve(dsn), SessionLimits())
    assert isinstance(engine, PostgresEngine)
    yield engine
    engine.close()


def catalog(dsn: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(sql).fetchall()  # type: ignore[arg-type]


def test_partitioned_table_shows_key_partitions_bounds_and_totals(engine: PostgresEngine, dsn: str) -> None:
    leaves = ("SELECT sum(pg_total_relation_size(relid)), sum(c.reltuples) FROM pg_partition_tree('sales.payment') t "
              "JOIN pg_class c ON c.oid = t.relid WHERE t.isleaf")
    before_bytes, _ = catalog(dsn, leaves)[0]
    snapshot = engine.introspect("sales.payment")
    (payment,) = snapshot.tables
    assert payment.kind == "partitioned table" and payment.partition_key == "RANGE (payment_date)"
    leaves_bytes, leaves_rows = catalog(dsn, leaves)[0]
    # the leaves' total as the catalog had it at that moment (a background vacuum may add a map page meanwhile)
    assert before_bytes <= payment.size_bytes <= leaves_bytes and payment.size_bytes > 1_000_000  # not the parent's 0 B
    assert payment.row_estimate == leaves_rows == 30000
    names = [p.name for p in payment.partitions]
    assert names == ["sales.payment_2024_01", "sales.payment_2024_02", "sales.payment_2024_03",
                     "sales.payment_other"]  # default last
    by_name = {p.name: p for p in payment.partitions}
    january = by_name["sales.payment_2024_01"]
    assert january.bound.startswith("FOR VALUES FROM ('2024-01-01") and not january.default
    assert january.row_estimate == catalog(dsn, "SELECT count(*) FROM sales.payment_2024_01")[0][0]
    assert january.size_bytes == catalog(dsn, "SELECT pg_total_relation_size('sales.payment_2024_01')")[0][0]
    march = by_name["sales.payment_2024_03"]
    march_rows = "SELECT count(*) FROM sales.payment WHERE payment_date >= '2024-03-01' AND payment_date < '2024-04-01'"
    assert march.partitioned and march.row_estimate == catalog(dsn, march_rows)[0][0]
    assert by_name["sales.payment_other"].default and by_name["sales.payment_other"].bound == "DEFAULT"
    assert sum(p.size_bytes or 0 for p in payment.partitions) == payment.size_bytes
    customer_index = next(i for i in payment.indexes if i.name == "payment_customer")
    assert customer_index.partitioned and customer_index.size_bytes == catalog(
        dsn, "SELECT sum(pg_relation_size(relid)) FROM pg_partition_tree('sales.payment_customer')")[0][0]


def test_partition_says_whose_and_which_bound(engine: PostgresEngine) -> None:
    whole = engine.introspect()
    small = whole.find("sales.payment_2024_03_small")
    assert small is not None and small.partition_of == "sales.payment_2024_03"
    assert small.partition_bound == "FOR VALUES FROM (MINVALUE) TO ('1000')"
    march = whole.find("sales.payment_2024_03")
    assert march is not None and march.partition_key == "RANGE (payment_id)" and len(march.partitions) == 2


def test_triggers_views_and_materialized_views(engine: PostgresEngine) -> None:
    whole = engine.introspect()
    payment, customer = whole.find("sales.payment"), whole.find("sales.customer")
    assert payment is not None and customer is not None
    (stamp,) = payment.triggers
    assert (stamp.name, stamp.timing, stamp.events, stamp.level, stamp.function, stamp.enabled) == (
        "payment_stamp", "BEFORE", ["INSERT", "UPDATE"], "row", "sales.stamp", True)
    january = whole.find("sales.payment_2024_01")
    assert january is not None and january.triggers == []  # the clone is the parent's trigger, listed there
    (audit,) = customer.triggers
    assert (audit.timing, audit.events, audit.level, audit.enabled) == ("AFTER", ["DELETE"], "statement", False)
    monthly, later, view = whole.find("sales.monthly"), whole.find("sales.later"), whole.find("sales.big_payments")
    assert monthly is not None and later is not None and view is not None
    assert monthly.kind == "materialized view" and monthly.populated is True
    assert "sum(payment.amount)" in (monthly.definition or "")
    assert later.populated is False
    assert view.kind == "view" and view.populated is None
    assert "payment.amount > (80)::numeric" in (view.definition or "")


def test_cli_detail_and_json(dsn: str) -> None:
    detail = run_dbsage("schema", "sales.payment", "--db", dsn)
    assert detail.returncode == 0, detail.stderr
    assert "partitioned by RANGE (payment_date) · 4 partitions" in detail.stdout
    assert "sales.payment_2024_03 (partitioned)" in detail.stdout and "DEFAULT" in detail.stdout
    assert "payment_stamp" in detail.stdout and "BEFORE INSERT OR UPDATE" in detail.stdout
    overview = run_dbsage("schema", "--db", dsn, env={"COLUMNS": "200"})
    assert "partitioned table (4)" in overview.stdout and "partition " in overview.stdout
    data = json.loads(run_dbsage("schema", "sales.payment", "--db", dsn, "--format", "json").stdout)
    (table,) = data["schema"]["tables"]
    assert table["partition_key"] == "RANGE (payment_date)" and len(table["partitions"]) == 4
    assert {"name", "bound", "default", "partitioned", "row_estimate", "size_bytes"} <= set(table["partitions"][0])
    assert table["triggers"][0]["events"] == ["INSERT", "UPDATE"]
    mv = run_dbsage("schema", "sales.later", "--db", dsn)
    assert "not populated" in mv.stdout
