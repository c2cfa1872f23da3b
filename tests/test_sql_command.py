"""`dbsage sql` as a user runs it: a real process, real servers, exit codes and stderr as documented.

0 with results · 3 and `refused: <reason>` on stderr when the guard refuses · 1 with the server's own text on a
database error · 2 on bad usage.
"""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any

import pymongo
import pytest

from cli import run_dbsage


def dbsage(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_dbsage("sql", *args, stdin=stdin)


@pytest.fixture(scope="module")
def pg(make_pg_db) -> str:
    return make_pg_db("CREATE TABLE orders (id int PRIMARY KEY, status text);"
                      "INSERT INTO orders SELECT g, CASE WHEN g % 2 = 0 THEN 'new' ELSE 'paid' END "
                      "FROM generate_series(1, 20) g;")


@pytest.fixture(scope="module")
def maria(make_mysql_db) -> str:
    return make_mysql_db("CREATE TABLE orders (id INT PRIMARY KEY, status VARCHAR(10));"
                         "INSERT INTO orders VALUES (1, 'new'), (2, 'paid');")


@pytest.fixture(scope="module")
def mongo(mongo_uri: str) -> str:
    # Its own database: test_cli_engines lists the collections of "cli" and must not see these.
    uri = mongo_uri.replace("/?", "/sqlcmd?")
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(uri)
    try:
        client.sqlcmd.orders.insert_many([{"_id": i, "status": "new"} for i in range(5)])
    finally:
        client.close()
    return uri


def test_json_result(pg: str) -> None:
    done = dbsage("SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY status", "--db", pg,
                  "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["dbsage"] == 1 and document["command"] == "sql"
    assert document["result"]["columns"] == ["status", "n"]
    assert document["result"]["rows"] == [["new", 10], ["paid", 10]]
    assert document["result"]["truncated"] is False


def test_table_result_and_stdin(pg: str) -> None:
    for args, stdin in ((["-"], "SELECT id, status FROM orders WHERE id = 3"),
                        ([], "SELECT id, status FROM orders WHERE id = 3")):
        done = dbsage(*args, "--db", pg, stdin=stdin)
        assert done.returncode == 0, done.stderr
        assert "status" in done.stdout and "paid" in done.stdout and "1 row" in done.stdout


def test_max_rows_truncates_and_says_so(pg: str) -> None:
    done = dbsage("SELECT id FROM orders ORDER BY id", "--db", pg, "--max-rows", "3", "--format", "json")
    result = json.loads(done.stdout)["result"]
    assert result["rows"] == [[1], [2], [3]] and result["truncated"] is True
    assert "more than 3 rows" in result["truncated_reason"]
    table = dbsage("SELECT id FROM orders ORDER BY id", "--db", pg, "--max-rows", "3")
    assert "truncated: more than 3 rows" in table.stdout


def test_explain_prints_the_plan(pg: str) -> None:
    done = dbsage("EXPLAIN SELECT * FROM orders WHERE id = 1", "--db", pg)
    assert done.returncode == 0, done.stderr
    assert "orders" in done.stdout and "cost=" in done.stdout


@pytest.mark.parametrize(("sql", "reason"), [
    ("SELECT pg_terminate_backend(1)", "refused: pg_terminate_backend() ends other sessions; dbsage is read-only"),
    ("DELETE FROM orders", "refused: DELETE changes data"),
    ("SELECT 1; DROP TABLE orders", "refused: 2 statements"),
    ("EXPLAIN ANALYZE UPDATE orders SET status = 'x'", "refused: EXPLAIN ANALYZE executes the statement"),
    ("SELECT * FROM pg_authid", "refused: pg_authid holds password hashes"),
])
def test_refusal_exits_3_with_the_reason(pg: str, sql: str, reason: str) -> None:
    done = dbsage(sql, "--db", pg)
    assert done.returncode == 3
    assert done.stderr.startswith(reason)
    assert done.stdout == ""


def test_refusal_in_json(pg: str) -> None:
    done = dbsage("SELECT nextval('s')", "--db", pg, "--format", "json")
    assert done.returncode == 3 and done.stderr.startswith("refused: nextval()")
    assert json.loads(done.stdout)["refused"].startswith("nextval() advances a sequence")


def test_database_error_exits_1_with_the_server_text(pg: str) -> None:
    done = dbsage("SELECT * FROM no_such_table", "--db", pg)
    assert done.returncode == 1
    assert done.stderr.startswith("error: PostgreSQL error: relation \"no_such_table\" does not exist")


@pytest.mark.parametrize(
    ("sql", "quoted", "caret_under"),
    [
        ("SELECT nosuchcol FROM orders", "LINE 1: SELECT nosuchcol FROM orders", "nosuchcol"),
        ("SELECT id FROM orderz", "LINE 1: SELECT id FROM orderz", "orderz"),
    ],
)
def test_the_server_error_quotes_the_users_text_not_the_cursor(pg: str, sql: str, quoted: str,
                                                               caret_under: str) -> None:
    done = dbsage(sql, "--db", pg)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert "dbsage_guarded" not in done.stderr
    line = next(n for n, text in enumerate(lines) if text.startswith("LINE 1:"))
    shown = lines[line].removesuffix("...")  # the server may shorten a long line
    assert quoted.startswith(shown) and caret_under in shown
    assert lines[line + 1].index("^") == lines[line].index(caret_under)


def test_timeout_option_is_enforced_by_the_server(pg: str) -> None:
    started = time.monotonic()
    done = dbsage("SELECT count(*) FROM generate_series(1, 10000000000::bigint)", "--db", pg, "--timeout", "0.5")
    assert done.returncode == 1
    assert "0.5 s statement timeout" in done.stderr
    assert time.monotonic() - started < 10


def test_no_statement_is_a_usage_error(pg: str) -> None:
    done = dbsage("-", "--db", pg, stdin="  \n")
    assert done.returncode == 2 and "no statement given" in done.stderr


@pytest.mark.parametrize(("sql", "code", "text"), [
    ("SELECT status, COUNT(*) FROM orders GROUP BY status ORDER BY status", 0, "paid"),
    ("SHOW VARIABLES LIKE 'max_statement_time'", 0, "max_statement_time"),
    ("SELECT SLEEP(5)", 3, "refused: SLEEP() sleeps"),
    ("SELECT 1 /*!50000 , SLEEP(5) */", 3, "refused: /*! … */ comments are executed"),
    ("SELECT * FROM mysql.user", 3, "refused: mysql.user holds password hashes"),
    ("SELECT nope FROM orders", 1, "error: MySQL error 1054: Unknown column 'nope'"),
])
def test_mariadb(maria: str, sql: str, code: int, text: str) -> None:
    done = dbsage(sql, "--db", maria)
    assert done.returncode == code, done.stderr
    assert text in (done.stdout if code == 0 else done.stderr)
    if code:
        assert done.stderr.startswith(text)


@pytest.mark.parametrize(("operation", "code", "text"), [
    ('{"count": "orders"}', 0, "5"),
    ('{"find": "orders", "filter": {"_id": {"$lt": 2}}}', 0, "2 rows"),
    ('{"aggregate": "orders", "pipeline": [{"$out": "stolen"}]}', 3, "refused: $out writes a collection"),
    ('{"find": "orders", "filter": {"$where": "true"}}', 3, "refused: $where runs JavaScript"),
    ("db.orders.drop()", 2, "error: a MongoDB target takes a JSON command document"),
])
def test_mongo(mongo: str, operation: str, code: int, text: str) -> None:
    done = dbsage(operation, "--db", mongo)
    assert done.returncode == code, done.stderr
    assert text in (done.stdout if code == 0 else done.stderr)


def test_mariadb_without_a_database_says_to_name_one(mysql_admin_dsn: str) -> None:
    no_database = mysql_admin_dsn.rsplit("/", 1)[0] + "/"
    done = dbsage("SELECT * FROM orders", "--db", no_database)
    assert done.returncode == 1
    assert "No database selected" in done.stderr
    assert "name the database in the DSN (mysql://user@host/DBNAME)" in done.stderr
