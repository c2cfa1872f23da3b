"""`explain` of a statement with $n parameters (as an application or pg_stat_statements writes it): the generic
plan, on a real PostgreSQL 15 — PREPARE + EXPLAIN EXECUTE under force_generic_plan, nothing executed, nothing left
behind on the pooled connection.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cli import run_dbsage
from dbsage.tools.engines import connect
from dbsage.tools.engines.postgres.adapter import PostgresEngine
from dbsage.tools.errors import DatabaseError, UsageError
from dbsage.tools.targets import resolve

SETUP = """
CREATE TABLE orders (id int PRIMARY KEY, customer_id int, status text, placed date NOT NULL);
INSERT INTO orders SELECT g, g % 500, CASE WHEN g % 10 = 0 THEN 'new' ELSE 'done' END,
  DATE '2024-01-01' + g % 300 FROM generate_series(1, 20000) g;
CREATE TABLE visits (id bigint, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE visits_a PARTITION OF visits FOR VALUES FROM ('2024-01-01') TO ('2024-07-01');
CREATE TABLE visits_b PARTITION OF visits FOR VALUES FROM ('2024-07-01') TO ('2025-01-01');
ANALYZE;
"""


@pytest.fixture(scope="module")
def dsn(make_pg_db) -> str:
    return make_pg_db(SETUP)


@pytest.fixture(scope="module")
def engine(dsn: str) -> Iterator[PostgresEngine]:
    engine = connect(resolve(dsn))
    assert isinstance(engine, PostgresEngine)
    yield engine
    engine.close()


def prepared_left(engine: PostgresEngine) -> int:
    return engine.run_sql("SELECT count(*) FROM pg_prepared_statements").rows[0][0]


def test_parameters_get_the_generic_plan(engine: PostgresEngine) -> None:
    result = engine.explain("SELECT * FROM orders WHERE id = $1")
    assert result.plan.root.node_type == "Index Scan" and result.plan.root.index_cond == "(id = $1)"
    assert any("planned generically" in note for note in result.notes)
    ranged = engine.explain("SELECT count(*) FROM orders WHERE status = $1 AND placed > $2 LIMIT $3")
    assert "$2" in str(ranged.plan.root.model_dump())
    assert prepared_left(engine) == 0


def test_a_write_with_parameters_is_only_planned(engine: PostgresEngine, dsn: str) -> None:
    result = engine.explain("UPDATE orders SET status = $2 WHERE id = $1")
    assert result.plan.root.node_type == "ModifyTable"
    assert engine.run_sql("SELECT count(*) FROM orders WHERE status NOT IN ('new', 'done')").rows == [[0]]


def test_partitions_pruned_by_parameters_are_shown(engine: PostgresEngine) -> None:
    result = engine.explain("SELECT * FROM visits WHERE at >= $1")
    scanned = {node.relation for node in result.plan.nodes() if node.relation}
    assert scanned == {"visits_a", "visits_b"}  # not hidden by start-up pruning with NULLs
    assert any("every partition is shown" in note for note in result.notes)
    assert prepared_left(engine) == 0


def test_analyze_needs_values_and_unclear_types_say_how(engine: PostgresEngine) -> None:
    with pytest.raises(UsageError, match="has parameters"):
        engine.explain("SELECT * FROM orders WHERE id = $1", analyze=True)
    with pytest.raises(DatabaseError) as caught:
        engine.explain("SELECT * FROM orders WHERE nosuch = $1")
    assert "nosuch" in caught.value.message
    assert prepared_left(engine) == 0


def test_cli_explains_a_parameterised_statement(dsn: str) -> None:
    done = run_dbsage("explain", "SELECT * FROM orders WHERE customer_id = $1", "--db", dsn)
    assert done.returncode == 0, done.stderr
    assert "planned generically" in done.stdout
