"""Values come back as PostgreSQL writes them where Python's types cannot hold them or would change them: infinite
dates and timestamps (they failed the whole call), intervals (Python wrote `1 day, 2:00:00` and folded months into
days), float Infinity/NaN (JSON null). Real PostgreSQL, through `dbsage sql` and the checkup's catalog reads.
"""

from __future__ import annotations

import json

import psycopg
import pytest

from cli import run_dbsage
from dbsage.tools.engines import connect
from dbsage.tools.targets import resolve

QUERY = ("SELECT 'infinity'::timestamptz AS a, '-infinity'::date AS b, 'Infinity'::float8 AS c, 'NaN'::float4 AS d, "
         "interval '1 day 2 hours' AS e, '-infinity'::timestamp AS f, interval '-3 mons 2 days 00:00:01.5' AS g, "
         "'NaN'::numeric AS h, ARRAY['infinity'::date, '2024-01-31'] AS i, ARRAY[1.5::float8, '-Infinity'] AS j, "
         "DATE '2024-02-29' AS k, 2.5::float8 AS l")
EXPECTED = ["infinity", "-infinity", "Infinity", "NaN", "1 day 02:00:00", "-infinity", "-3 mons +2 days 00:00:01.5",
            "NaN", ["infinity", "2024-01-31"], [1.5, "-Infinity"], "2024-02-29", 2.5]


@pytest.fixture(scope="module")
def dsn(make_pg_db) -> str:
    return make_pg_db("")


def test_values_as_postgres_writes_them(dsn: str) -> None:
    done = run_dbsage("sql", QUERY, "--db", dsn, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["result"]["rows"] == [EXPECTED]
    table = run_dbsage("sql", "SELECT interval '1 day 2 hours' AS e, 'infinity'::date AS d, 'NaN'::float8 AS n",
                       "--db", dsn)
    assert table.returncode == 0, table.stderr
    assert "1 day 02:00:00" in table.stdout and "infinity" in table.stdout and "NaN" in table.stdout
    assert "1 day, 2:00:00" not in table.stdout


def test_interval_style_of_the_session_is_kept(dsn: str) -> None:
    engine = connect(resolve(dsn))
    try:
        assert engine.run_sql("SELECT interval '1 year 2 mons 3 days 04:05:06'").rows == [
            ["1 year 2 mons 3 days 04:05:06"]]
    finally:
        engine.close()


def test_a_role_valid_until_infinity_does_not_break_the_checkup(dsn: str, pg_admin_dsn: str) -> None:
    with psycopg.connect(pg_admin_dsn, autocommit=True) as admin:
        admin.execute("CREATE ROLE dbsage_forever LOGIN VALID UNTIL 'infinity'")
        try:
            engine = connect(resolve(dsn))
            try:
                report = engine.checks()
            finally:
                engine.close()
        finally:
            admin.execute("DROP ROLE dbsage_forever")
    assert not [s for s in report.skipped if s.startswith("roles")], report.skipped
