"""A plain syntax error is the user's error to fix — exit 1 with the position — not a refusal (exit 3); the guard
still runs nothing it cannot parse. Real servers, the installed console script.
"""

from __future__ import annotations

import json

import pytest

from cli import run_dbsage
from dbsage.tools.errors import GuardRefusal, StatementSyntaxError
from dbsage.tools.guard import check


@pytest.fixture(scope="module")
def pg(make_pg_db) -> str:
    return make_pg_db("CREATE TABLE orders (id int PRIMARY KEY, status text);")


@pytest.fixture(scope="module")
def maria(make_mysql_db) -> str:
    return make_mysql_db("CREATE TABLE orders (id INT PRIMARY KEY, status VARCHAR(10));")


def test_postgres_typo_exits_1_with_line_column_and_caret(pg: str) -> None:
    done = run_dbsage("sql", "SELECT id,\n       status\n  FORM orders", "--db", pg)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith('error: not valid PostgreSQL: syntax error at or near "orders" at line 3, column 8:')
    assert "\n    FORM orders\n         ^\n" in done.stderr  # the caret sits under the offending word


def test_mariadb_typo_exits_1_with_position(maria: str) -> None:
    done = run_dbsage("sql", "SELECT id FROM orders WHERE", "--db", maria)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("error: not a statement dbsage can classify") and "line 1, column" in done.stderr


def test_explain_of_a_typo_exits_1_and_json_says_error(pg: str) -> None:
    done = run_dbsage("explain", "SELEC id FROM orders", "--db", pg, "--format", "json")
    assert done.returncode == 1
    document = json.loads(done.stdout)
    assert "error" in document and "refused" not in document
    assert document["error_type"] == "StatementSyntaxError" and "line 1, column 1" in document["error"]


def test_a_write_is_still_refused_with_exit_3(pg: str) -> None:
    done = run_dbsage("sql", "DELETE FROM orders", "--db", pg)
    assert done.returncode == 3 and done.stderr.startswith("refused: DELETE changes data")


def test_syntax_error_is_still_a_refusal_for_callers_that_ask_whether_it_may_run() -> None:
    with pytest.raises(StatementSyntaxError) as caught:
        check("SELECT 1 \\; DELETE FROM t", "postgres")
    assert isinstance(caught.value, GuardRefusal) and caught.value.exit_code == 1
