"""`dbsage schema` and `dbsage doctor` end to end on MariaDB and MongoDB: the installed console script, real servers."""

from __future__ import annotations

import json

import pymongo
import pytest

from cli import run_dbsage as dbsage

SHOP = """
CREATE TABLE customers (id bigint AUTO_INCREMENT PRIMARY KEY, email varchar(200) NOT NULL UNIQUE)
  COMMENT='people who buy';
CREATE TABLE orders (
  id int PRIMARY KEY, customer_id bigint NOT NULL, total decimal(12,2),
  CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id)
);
"""


@pytest.fixture(scope="module")
def mysql_dsn(make_mysql_db) -> str:
    return make_mysql_db(SHOP)


@pytest.fixture(scope="module")
def mongo_dsn(mongo_uri: str) -> str:
    client: pymongo.MongoClient = pymongo.MongoClient(mongo_uri)
    try:
        client.cli.events.insert_many([{"kind": "click", "at": i} if i % 2 else {"kind": "view"} for i in range(20)])
        client.cli.events.create_index("kind")
    finally:
        client.close()
    return mongo_uri.replace("/?", "/cli?")


def test_schema_json_on_mariadb(mysql_dsn: str) -> None:
    result = dbsage("schema", "--db", mysql_dsn, "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["dbsage"], document["command"], document["schema"]["engine"]) == (1, "schema", "mysql")
    tables = {t["name"]: t for t in document["schema"]["tables"]}
    assert set(tables) == {"customers", "orders"}
    kinds = {c["kind"]: c for c in tables["orders"]["constraints"]}
    assert list(kinds) == ["primary key", "foreign key"]
    assert kinds["foreign key"]["references_table"] == "customers"


def test_schema_table_detail_on_mariadb(mysql_dsn: str) -> None:
    result = dbsage("schema", "orders", "--db", mysql_dsn)
    assert result.returncode == 0, result.stderr
    assert "orders_customer_fk" in result.stdout and "foreign key" in result.stdout
    assert "CREATE INDEX `orders_customer_fk`" in result.stdout  # InnoDB made an index for the foreign key


def test_schema_mermaid_on_mariadb(mysql_dsn: str) -> None:
    result = dbsage("schema", "--db", mysql_dsn, "--format", "mermaid")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("erDiagram\n")
    assert 'customers ||--o{ orders : "orders_customer_fk"' in result.stdout


def test_doctor_on_mariadb(mysql_dsn: str) -> None:
    result = dbsage("doctor", "--db", mysql_dsn, "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)["report"]
    assert report["version"].startswith("MariaDB ")
    assert {c["name"] for c in report["capabilities"]} == {
        "performance_schema", "statements_digest", "sys_schema", "slow_query_log"}
    assert report["login"]["superuser"] is True


def test_doctor_on_mongodb(mongo_dsn: str) -> None:
    result = dbsage("doctor", "--db", mongo_dsn)
    assert result.returncode == 0, result.stderr
    assert "MongoDB 8" in result.stdout and "profiler" in result.stdout and "replica_set" in result.stdout
    assert 'roles: [{role: "read", db: "cli"}, {role: "clusterMonitor", db: "admin"}]' in result.stdout


def test_schema_on_mongodb_shows_presence(mongo_dsn: str) -> None:
    result = dbsage("schema", "events", "--db", mongo_dsn)
    assert result.returncode == 0, result.stderr
    assert "50% present" in result.stdout and "100% present" in result.stdout
    overview = dbsage("schema", "--db", mongo_dsn, "--format", "json")
    tables = json.loads(overview.stdout)["schema"]["tables"]
    assert [(t["name"], t["kind"], t["row_estimate"]) for t in tables] == [("events", "collection", 20)]


def test_unreachable_mysql_exits_1_without_the_password() -> None:
    result = dbsage("schema", "--db", "mysql://app:hunter2@127.0.0.1:1/shop")
    assert result.returncode == 1
    assert "cannot connect" in result.stderr and "hunter2" not in result.stderr + result.stdout
    assert "app:***@127.0.0.1:1" in result.stderr


def test_wrong_mongodb_password_exits_1_without_the_password(mongo_dsn: str) -> None:
    result = dbsage("doctor", "--db", mongo_dsn.replace("mongodb://", "mongodb://app:hunter2@"))
    assert result.returncode == 1
    assert "authentication failed" in result.stderr and "hunter2" not in result.stderr + result.stdout
    assert "app:***@127.0.0.1" in result.stderr
