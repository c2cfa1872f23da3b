"""`dbsage top` leaves utility statements (COPY, VACUUM, ANALYZE, CREATE INDEX, SET …) out by default and lists
them with --utility; the statement text stands next to its number. Real PostgreSQL with pg_stat_statements.
"""

from __future__ import annotations

import json

import psycopg
import pytest

from cli import run_dbsage
from dbsage.tools.engines import connect
from dbsage.tools.targets import resolve

SETUP = "CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL);"
UTILITY = [
    "COPY items FROM PROGRAM 'seq 1 2000 | sed -e \"s/.*/&\\t&/\"'",  # a bulk load: the heaviest thing here
    "VACUUM ANALYZE items",
    "ANALYZE items",
    "CREATE INDEX items_v ON items (v)",
    "SET work_mem = '8MB'",
]
QUERIES = [("/* app */ SELECT v FROM items WHERE id = 7", 50), ("UPDATE items SET v = v WHERE id = 3", 5),
           ("(SELECT 1 FROM items LIMIT 1) UNION ALL (SELECT 2)", 3),
           ("WITH x AS (SELECT count(*) FROM items) SELECT * FROM x", 2)]


@pytest.fixture(scope="module")
def dsn(make_pg_db) -> str:
    dsn = make_pg_db(SETUP)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_statements_reset()")
        for sql in UTILITY:
            conn.execute(sql)  # type: ignore[arg-type]
        for sql, times in QUERIES:
            for _ in range(times):
                conn.execute(sql)  # type: ignore[arg-type]
    return dsn


def starts(report) -> list[str]:
    return [s.query.split()[0].upper().lstrip("(") if not s.query.startswith("/*") else "SELECT"
            for s in report.statements]


def test_default_lists_queries_and_data_changes_only(dsn: str) -> None:
    engine = connect(resolve(dsn))
    try:
        plain = engine.top_statements(limit=50)
        everything = engine.top_statements(limit=50, include_utility=True)
    finally:
        engine.close()
    kinds = set(starts(plain))
    assert kinds <= {"SELECT", "UPDATE", "WITH"}, kinds
    assert {"UPDATE", "WITH"} <= kinds and len(plain.statements) >= len(QUERIES)
    assert any("--utility" in note for note in plain.notes) and not plain.utility_included
    listed = set(starts(everything))
    assert {"COPY", "VACUUM", "ANALYZE", "CREATE", "SET"} <= listed and everything.utility_included
    assert not any("--utility" in note for note in everything.notes)


def test_cli_flag_and_statement_beside_its_number(dsn: str) -> None:
    table = run_dbsage("top", "--db", dsn, "-n", "50", env={"COLUMNS": "160"})
    assert table.returncode == 0, table.stderr
    row = next(line for line in table.stdout.splitlines() if "UPDATE items SET v = v WHERE id = $1" in line
               and "│" in line)
    assert row.split("│")[1].strip().isdigit()  # the number and the text share one row
    assert "COPY items" not in table.stdout
    data = json.loads(run_dbsage("top", "--db", dsn, "--utility", "--format", "json", "-n", "50").stdout)
    assert data["report"]["utility_included"] is True
    assert any(s["query"].startswith("COPY items") for s in data["report"]["statements"])
