"""`check` on partitioned tables: a partition missing an index or a foreign key its siblings have, a default
partition filling up — on a real server; and applying the fixes, in order, removes those findings and adds none.
"""

from __future__ import annotations

import psycopg
import pytest

from dbsage.tools.checks import Finding
from dbsage.tools.checks.postgres_partitions import default_partition_filling, partition_missing_sibling_objects
from dbsage.tools.engines import connect
from dbsage.tools.targets import resolve

SETUP = """
CREATE TABLE customer (customer_id int PRIMARY KEY);
INSERT INTO customer SELECT generate_series(1, 100);
CREATE TABLE payment (payment_id bigint NOT NULL, customer_id int NOT NULL, amount numeric(8,2),
  payment_date date NOT NULL) PARTITION BY RANGE (payment_date);
CREATE TABLE payment_2024_01 PARTITION OF payment FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
CREATE TABLE payment_2024_02 PARTITION OF payment FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
CREATE TABLE payment_2024_03 PARTITION OF payment FOR VALUES FROM ('2024-03-01') TO ('2024-04-01');
CREATE TABLE payment_2024_04 PARTITION OF payment FOR VALUES FROM ('2024-04-01') TO ('2024-05-01');
CREATE TABLE payment_rest PARTITION OF payment DEFAULT;
-- created by hand on each month, forgotten on April (and on the default partition)
CREATE INDEX ON payment_2024_01 (customer_id) INCLUDE (amount);
CREATE INDEX ON payment_2024_02 (customer_id) INCLUDE (amount);
CREATE INDEX ON payment_2024_03 (customer_id) INCLUDE (amount);
ALTER TABLE payment_2024_01 ADD FOREIGN KEY (customer_id) REFERENCES customer;
ALTER TABLE payment_2024_02 ADD FOREIGN KEY (customer_id) REFERENCES customer;
ALTER TABLE payment_2024_03 ADD FOREIGN KEY (customer_id) REFERENCES customer;
ALTER TABLE payment_2024_04 ADD FOREIGN KEY (customer_id) REFERENCES customer;
INSERT INTO payment SELECT g, 1 + g % 100, g % 50, DATE '2024-01-01' + (g % 150) FROM generate_series(1, 15000) g;
ANALYZE;
-- a healthy partitioned table beside it: every partition has what its siblings have, the default is empty
CREATE TABLE event (id bigint, at date NOT NULL, customer_id int REFERENCES customer) PARTITION BY RANGE (at);
CREATE INDEX ON event (customer_id);
CREATE TABLE event_a PARTITION OF event FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
CREATE TABLE event_b PARTITION OF event FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
CREATE TABLE event_c PARTITION OF event FOR VALUES FROM ('2024-03-01') TO ('2024-04-01');
CREATE TABLE event_rest PARTITION OF event DEFAULT;
INSERT INTO event SELECT g, DATE '2024-01-01' + (g % 90), 1 + g % 100 FROM generate_series(1, 3000) g;
ANALYZE event;
"""

OWN_RULES = ("schema.partition_missing_index", "schema.partition_missing_foreign_key",
             "schema.default_partition_filling")


def findings(dsn: str) -> list[Finding]:
    engine = connect(resolve(dsn))
    try:
        report = engine.checks()
    finally:
        engine.close()
    assert not any(s.startswith("partitions") for s in report.skipped), report.skipped
    return report.findings


@pytest.fixture()
def dsn(make_pg_db) -> str:
    return make_pg_db(SETUP)


def test_partition_findings_are_exact(dsn: str) -> None:
    own = {f.id: f for f in findings(dsn) if f.id in OWN_RULES}
    assert set(own) == set(OWN_RULES)
    index = own["schema.partition_missing_index"]
    assert index.object == "public.payment"  # two partitions lack it: one finding on the parent, listing them
    assert index.evidence["missing_on"] == ["public.payment_2024_04", "public.payment_rest"]
    assert (index.evidence["partitions_with_it"], index.evidence["partitions"]) == (3, 5)
    assert "INCLUDE (amount)" in index.evidence["index"] and "btree (customer_id) INCLUDE (amount)" in index.title
    fk = own["schema.partition_missing_foreign_key"]
    assert fk.object == "public.payment_rest" and "REFERENCES customer(customer_id)" in fk.title
    default = own["schema.default_partition_filling"]
    rows_in_default = psycopg.connect(dsn).execute("SELECT count(*) FROM payment_rest").fetchone()[0]  # type: ignore[index]
    assert default.object == "public.payment_rest" and default.severity == "medium"
    assert default.evidence["rows"] == rows_in_default and default.evidence["share_of_rows"] == pytest.approx(
        rows_in_default / 15000, abs=0.01)
    assert not any("event" in (f.object or "") or "event" in str(f.evidence.get("parent", "")) for f in own.values())


def test_applying_the_fixes_in_order_clears_them_and_adds_nothing(dsn: str) -> None:
    before = findings(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for finding in before:
            if finding.id in ("schema.partition_missing_index", "schema.partition_missing_foreign_key"):
                for statement in (finding.fix or "").split(";\n"):
                    if statement.strip():
                        conn.execute(statement.strip().rstrip(";"))  # type: ignore[arg-type]
        conn.execute("ANALYZE")
    after = findings(dsn)
    assert not [f for f in after if f.id in OWN_RULES[:2]]
    new = {(f.id, f.object) for f in after} - {(f.id, f.object) for f in before}
    assert new == set()


def test_rules_stay_quiet_with_too_few_siblings_or_an_empty_default() -> None:
    row = {"parent_schema": "s", "parent_name": "p", "partition_key": "RANGE (d)", "schema": "s", "relkind": "r",
           "is_default": False, "reltuples": 10, "never_analyzed": False, "total_bytes": 8192, "foreign_keys": []}
    two = [{**row, "name": "a", "indexes": ["CREATE INDEX ON USING btree (x)"]},
           {**row, "name": "b", "indexes": []}]
    assert partition_missing_sibling_objects({"partitions": two}, None) == []  # type: ignore[arg-type]
    empty_default = [{**row, "name": "a", "indexes": []}, {**row, "name": "d", "indexes": [], "is_default": True,
                                                           "reltuples": 0}]
    assert default_partition_filling({"partitions": empty_default}, None) == []  # type: ignore[arg-type]
