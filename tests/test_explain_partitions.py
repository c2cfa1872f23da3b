"""`explain` on a partitioned table: a cast or function on the partition key that makes PostgreSQL scan every
partition is named, with the range to write instead; a condition on the bare key (pruned) is not — real server.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dbsage.tools.engines import connect
from dbsage.tools.engines.postgres.adapter import PostgresEngine
from dbsage.tools.targets import resolve

SETUP = """
CREATE SCHEMA billing;
CREATE TABLE billing.payment (payment_id bigint, amount numeric(8,2), paid_at timestamptz NOT NULL)
  PARTITION BY RANGE (paid_at);
CREATE TABLE billing.payment_q1 PARTITION OF billing.payment FOR VALUES FROM ('2024-01-01') TO ('2024-04-01');
CREATE TABLE billing.payment_q2 PARTITION OF billing.payment FOR VALUES FROM ('2024-04-01') TO ('2024-07-01')
  PARTITION BY RANGE (paid_at);
CREATE TABLE billing.payment_q2a PARTITION OF billing.payment_q2 FOR VALUES FROM ('2024-04-01') TO ('2024-05-16');
CREATE TABLE billing.payment_q2b PARTITION OF billing.payment_q2 FOR VALUES FROM ('2024-05-16') TO ('2024-07-01');
CREATE TABLE billing.payment_q3 PARTITION OF billing.payment FOR VALUES FROM ('2024-07-01') TO ('2024-10-01');
CREATE TABLE billing.payment_rest PARTITION OF billing.payment DEFAULT;
CREATE INDEX payment_amount_idx ON billing.payment (amount);
INSERT INTO billing.payment SELECT g, g % 70, '2024-01-01'::timestamptz + (g % 270) * interval '1 day'
  FROM generate_series(1, 40000) g;
ANALYZE billing.payment;
"""

DEFEATED = [
    ("SELECT sum(amount) FROM billing.payment WHERE paid_at::date = '2024-02-03'", "paid_at::date = D"),
    ("SELECT count(*) FROM billing.payment WHERE date_trunc('month', paid_at) = '2024-02-01'", "date_trunc"),
    ("SELECT count(*) FROM billing.payment p WHERE extract(year FROM p.paid_at) = 2023", "make_date(Y, 1, 1)"),
]
PRUNED = [
    "SELECT sum(amount) FROM billing.payment WHERE paid_at >= '2024-02-03' AND paid_at < '2024-02-04'",
    "SELECT count(*) FROM billing.payment WHERE amount > 60",  # no condition on the key: not this rule
]


@pytest.fixture(scope="module")
def engine(make_pg_db) -> Iterator[PostgresEngine]:
    engine = connect(resolve(make_pg_db(SETUP)))
    assert isinstance(engine, PostgresEngine)
    yield engine
    engine.close()


@pytest.mark.parametrize(("sql", "rewrite"), DEFEATED)
@pytest.mark.parametrize("run", [False, True], ids=["plan", "analyze"])
def test_wrapped_partition_key_is_named(engine: PostgresEngine, sql: str, rewrite: str, run: bool) -> None:
    result = engine.explain(sql, analyze=run)
    (insight,) = [i for i in result.insights if i.rule == "partition_pruning_defeated"]
    assert insight.title == ("all 5 partitions of billing.payment are scanned: a cast or function on the partition "
                             "key paid_at defeats pruning")
    assert insight.evidence["partitions_scanned"] == insight.evidence["partitions"] == 5  # leaves, sub-partitions too
    assert rewrite in insight.detail and insight.kb == "pg-partition-pruning"
    assert insight.severity == "high"


@pytest.mark.parametrize("sql", PRUNED)
def test_bare_key_or_no_key_condition_is_not_flagged(engine: PostgresEngine, sql: str) -> None:
    result = engine.explain(sql)
    assert not [i for i in result.insights if i.rule == "partition_pruning_defeated"]


def test_an_expression_index_fix_on_a_partitioned_table_is_one_the_server_accepts(engine: PostgresEngine,
                                                                                   make_pg_db) -> None:
    result = engine.explain("SELECT count(*) FROM billing.payment WHERE abs(amount) = 5")
    (insight,) = [i for i in result.insights if i.rule == "function_on_indexed_column"]
    fix = insight.fix or ""
    assert "CONCURRENTLY ON billing.payment" not in fix and "LOCKS WRITES" in fix  # refused by PostgreSQL otherwise
    copy = connect(resolve(make_pg_db(SETUP)))
    try:
        assert isinstance(copy, PostgresEngine)
        import psycopg  # a writing connection of the test's own, to apply the fix on a copy

        with psycopg.connect(copy.target.dsn, autocommit=True) as conn:
            conn.execute(fix.split(";")[0])
    finally:
        copy.close()
