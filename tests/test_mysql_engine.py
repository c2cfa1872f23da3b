"""MySQL/MariaDB adapter against a real throwaway MariaDB 10.11 (performance_schema ON), plus its pure parsers."""

from __future__ import annotations

import pymysql
import pytest
from conftest import mysql_admin_connection

from dbsage.tools.engines import SessionLimits, connect
from dbsage.tools.engines.mysql.adapter import MySQLEngine, connect_kwargs, session_statements
from dbsage.tools.engines.mysql.catalog import column_default
from dbsage.tools.engines.mysql.grants import read_only_user_sql, summarise_grants
from dbsage.tools.erd import to_mermaid
from dbsage.tools.errors import DatabaseError, TargetUnreachable, UsageError
from dbsage.tools.targets import resolve

SHOP = """
CREATE TABLE customers (
  id bigint AUTO_INCREMENT PRIMARY KEY,
  email varchar(200) NOT NULL UNIQUE COMMENT 'login address',
  name varchar(100),
  status varchar(10) DEFAULT 'new',
  created_at timestamp NOT NULL DEFAULT current_timestamp
) COMMENT='people who buy';
CREATE TABLE orders (
  id int PRIMARY KEY,
  customer_id bigint NOT NULL,
  total decimal(12,2) CHECK (total >= 0),
  double_total decimal(13,2) AS (total * 2) STORED,
  note text,
  KEY orders_customer (customer_id, id DESC),
  KEY orders_note (note(20)),
  CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE
);
CREATE TABLE audit_log (at datetime, what text);
CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 1000;
CREATE SEQUENCE invoice_numbers;
INSERT INTO customers (email) SELECT concat('c', seq, '@x') FROM seq_1_to_200;
INSERT INTO orders (id, customer_id, total) SELECT seq, 1 + seq % 200, seq FROM seq_1_to_300;
ANALYZE TABLE customers, orders;
"""


@pytest.fixture(scope="module")
def shop_dsn(make_mysql_db) -> str:
    return make_mysql_db(SHOP)


@pytest.fixture(scope="module")
def shop(shop_dsn: str) -> MySQLEngine:
    engine = connect(resolve(shop_dsn))
    assert isinstance(engine, MySQLEngine)
    yield engine
    engine.close()


def test_whole_schema_lists_tables_and_views(shop: MySQLEngine) -> None:
    snapshot = shop.introspect()
    assert snapshot.engine == "mysql" and snapshot.database == shop.database
    kinds = {t.name: t.kind for t in snapshot.tables}
    # the sequence is not a relation a user reads data from
    assert kinds == {"customers": "table", "orders": "table", "audit_log": "table", "big_orders": "view"}


def test_columns_defaults_comments_and_keys(shop: MySQLEngine) -> None:
    customers = shop.introspect("customers").tables[0]
    assert customers.comment == "people who buy"
    assert [c.name for c in customers.columns] == ["id", "email", "name", "status", "created_at"]
    by_name = {c.name: c for c in customers.columns}
    assert (by_name["email"].type, by_name["email"].nullable, by_name["email"].comment) == (
        "varchar(200)", False, "login address")
    assert by_name["id"].default == "AUTO_INCREMENT"
    assert by_name["status"].default == "'new'"
    assert by_name["name"].default is None  # MariaDB's 'NULL' spelling is normalised away
    assert by_name["created_at"].default == "current_timestamp()"
    assert customers.primary_key and customers.primary_key.columns == ["id"]
    assert 150 <= (customers.row_estimate or 0) <= 250  # InnoDB's estimate after ANALYZE
    assert customers.size_bytes and customers.size_bytes >= 16384
    unique = next(i for i in customers.indexes if i.unique and not i.primary)
    assert unique.backs_constraint == "email"


def test_foreign_keys_checks_generated_columns_and_indexes(shop: MySQLEngine) -> None:
    orders = shop.introspect(f"{shop.database}.orders").tables[0]
    fk = orders.foreign_keys[0]
    assert (fk.name, fk.columns, fk.references_table, fk.references_columns) == (
        "orders_customer_fk", ["customer_id"], "customers", ["id"])
    assert "ON DELETE CASCADE" in (fk.definition or "")
    check = next(c for c in orders.constraints if c.kind == "check")
    assert check.columns == ["total"] and check.definition == "CHECK (`total` >= 0)"
    generated = next(c for c in orders.columns if c.name == "double_total")
    assert generated.default == "GENERATED ALWAYS AS (`total` * 2) STORED"
    indexes = {i.name: i for i in orders.indexes}
    assert indexes["orders_customer"].columns == ["customer_id", "id"]
    assert indexes["orders_customer"].definition == (
        f"CREATE INDEX `orders_customer` ON `{shop.database}`.`orders` (`customer_id`, `id` DESC)")
    assert "(`note`(20))" in (indexes["orders_note"].definition or "")
    assert all((i.size_bytes or 0) >= 16384 for i in orders.indexes)  # InnoDB pages from innodb_index_stats
    assert shop.introspect("no_such_table").tables == []


def test_index_usage_counts_reads_from_performance_schema(shop: MySQLEngine, shop_dsn: str) -> None:
    admin = mysql_admin_connection(shop_dsn)
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT id FROM orders FORCE INDEX (orders_customer) WHERE customer_id = 7")
            assert cur.fetchall()
    finally:
        admin.close()
    indexes = {i.name: i for i in shop.introspect("orders").tables[0].indexes}
    assert (indexes["orders_customer"].scans or 0) > 0
    assert indexes["orders_note"].scans == 0  # never read: what an unused-index check looks for


def test_mermaid_draws_the_foreign_key(shop: MySQLEngine) -> None:
    diagram = to_mermaid(shop.introspect())
    assert "customers ||--o{ orders : \"orders_customer_fk\"" in diagram
    assert "bigint_20 id PK" in diagram


def test_session_is_read_only_with_limits(shop: MySQLEngine) -> None:
    row = shop.catalog_query(
        "SELECT @@tx_read_only AS ro, @@max_statement_time AS stmt, @@lock_wait_timeout AS lw,"
        " @@innodb_lock_wait_timeout AS ilw"
    )[0]
    assert row == {"ro": 1, "stmt": 5.0, "lw": 1, "ilw": 1}
    attrs = shop.catalog_query(
        "SELECT ATTR_VALUE AS v FROM performance_schema.session_connect_attrs "
        "WHERE PROCESSLIST_ID = CONNECTION_ID() AND ATTR_NAME = 'program_name'")
    assert attrs == [{"v": "dbsage"}]


def test_a_write_through_connection_fails_at_the_server(shop: MySQLEngine) -> None:
    with shop.connection() as conn, conn.cursor() as cur, pytest.raises(pymysql.err.MySQLError) as info:
        cur.execute("INSERT INTO audit_log (what) VALUES ('should not land')")
    assert info.value.args[0] == 1792  # ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
    assert shop.catalog_query("SELECT count(*) AS n FROM audit_log") == [{"n": 0}]


def test_statement_time_limit_is_enforced_by_the_server(shop_dsn: str) -> None:
    engine = connect(resolve(shop_dsn), SessionLimits(statement_timeout_ms=300))
    try:
        with pytest.raises(DatabaseError, match="max_statement_time"):
            engine.catalog_query("SELECT SLEEP(3)")
        assert engine.catalog_query("SELECT 1 AS one") == [{"one": 1}]  # the connection is still usable
    finally:
        engine.close()


def test_server_report_probes_capabilities_and_login(shop: MySQLEngine) -> None:
    report = shop.server_report()
    assert report.version.startswith("MariaDB 10.11")
    caps = {c.name: c for c in report.capabilities}
    assert caps["performance_schema"].available is True
    assert caps["statements_digest"].available is True
    assert caps["sys_schema"].available is True
    assert caps["slow_query_log"].available is False
    assert "SET GLOBAL slow_query_log = ON" in (caps["slow_query_log"].fix or "")
    login = report.login
    assert login and login.user == "root@localhost" and login.superuser and login.can_write
    assert any("read-only user" in w for w in login.warnings)
    assert "GRANT SELECT, SHOW VIEW ON" in (login.read_only_role_sql or "")


def test_the_read_only_user_recipe_works_and_is_reported_clean(shop: MySQLEngine, shop_dsn: str) -> None:
    recipe = read_only_user_sql(shop.database, user="ro_probe").replace("choose-a-password", "pw")
    admin = mysql_admin_connection(shop_dsn)
    try:
        with admin.cursor() as cur:
            cur.execute("DROP USER IF EXISTS 'ro_probe'@'%'")
            for line in recipe.splitlines():  # one statement per line, then an optional -- comment
                cur.execute(line.split(";")[0])
    finally:
        admin.close()
    ro = connect(resolve(shop_dsn.replace("mysql://root@", "mysql://ro_probe:pw@")))
    try:
        login = ro.server_report().login
        assert login and login.user == "ro_probe@%"
        assert (login.superuser, login.can_write, login.write_privileges, login.warnings) == (False, False, [], [])
        orders = ro.introspect("orders").tables[0]
        assert orders.foreign_keys and all(i.size_bytes for i in orders.indexes)
        assert ro.catalog_query("SELECT count(*) AS n FROM sys.statement_analysis")[0]["n"] >= 0  # needs EXECUTE
    finally:
        ro.close()


def test_unreachable_server_hides_the_password() -> None:
    engine = connect(resolve("mysql://app:hunter2@127.0.0.1:1/nowhere"))
    with pytest.raises(TargetUnreachable) as info:
        engine.introspect()
    assert "hunter2" not in str(info.value)
    assert "check the server is running" in str(info.value)


def test_wrong_password_is_unreachable_without_the_password(shop_dsn: str) -> None:
    engine = connect(resolve(shop_dsn.replace("mysql://root@", "mysql://nobody:s3cret-pw@")))
    with pytest.raises(TargetUnreachable) as info:
        engine.server_report()
    assert "s3cret-pw" not in str(info.value) and "Access denied" in str(info.value)


@pytest.mark.parametrize(
    ("dsn", "expected"),
    [
        ("mysql://app:p%40ss@db.example:3307/shop",
         {"host": "db.example", "port": 3307, "user": "app", "password": "p@ss", "database": "shop",
          "unix_socket": None}),
        ("mariadb://root@localhost/?unix_socket=/run/mysqld/mysqld.sock",
         {"host": "localhost", "port": 3306, "user": "root", "password": "", "database": None,
          "unix_socket": "/run/mysqld/mysqld.sock"}),
    ],
)
def test_dsn_becomes_driver_arguments(dsn: str, expected: dict) -> None:
    kwargs = connect_kwargs(dsn, SessionLimits())
    assert {k: kwargs[k] for k in expected} == expected
    assert kwargs["program_name"] == "dbsage"
    assert kwargs["connect_timeout"] == 5 and kwargs["read_timeout"] == kwargs["write_timeout"] == 10


@pytest.mark.parametrize("dsn", ["mysql://app@host:notaport/db", "mysql://app@host/db?sslmode=require"])
def test_bad_dsn_is_a_usage_error(dsn: str) -> None:
    with pytest.raises(UsageError):
        connect_kwargs(dsn, SessionLimits())


@pytest.mark.parametrize(
    ("mariadb", "statement_limit", "absent"),
    [
        (True, "SET SESSION max_statement_time = 2.5", "max_execution_time"),  # MariaDB: seconds
        (False, "SET SESSION max_execution_time = 2500", "max_statement_time"),  # MySQL: milliseconds
    ],
)
def test_session_statements_per_flavour(mariadb: bool, statement_limit: str, absent: str) -> None:
    statements = session_statements(SessionLimits(statement_timeout_ms=2500, lock_timeout_ms=1500), mariadb)
    assert statements[0] == "SET SESSION TRANSACTION READ ONLY"
    assert statement_limit in statements and not any(absent in s for s in statements)
    assert {"SET SESSION lock_wait_timeout = 2", "SET SESSION innodb_lock_wait_timeout = 2"} <= set(statements)


@pytest.mark.parametrize(
    ("raw", "extra", "data_type", "generation", "mariadb", "expected"),
    [
        # MariaDB already spells defaults as SQL
        ("'new'", "", "varchar", None, True, "'new'"),
        ("NULL", "", "varchar", None, True, None),
        ("current_timestamp()", "on update current_timestamp()", "timestamp", None, True,
         "current_timestamp() ON UPDATE CURRENT_TIMESTAMP"),
        # MySQL 8 gives literals bare and flags expression defaults
        ("new", "", "varchar", "", False, "'new'"),
        ("it's", "", "char", "", False, "'it''s'"),
        ("3", "", "int", "", False, "3"),
        ("CURRENT_TIMESTAMP", "DEFAULT_GENERATED", "timestamp", "", False, "CURRENT_TIMESTAMP"),
        ("(uuid())", "DEFAULT_GENERATED", "varchar", "", False, "(uuid())"),
        (None, "auto_increment", "bigint", "", False, "AUTO_INCREMENT"),
        (None, "VIRTUAL GENERATED", "int", "(`a` + 1)", False, "GENERATED ALWAYS AS ((`a` + 1)) VIRTUAL"),
        (None, "", "int", "", False, None),
    ],
)
def test_column_default_spelling(raw, extra, data_type, generation, mariadb, expected) -> None:
    assert column_default(raw, extra, data_type, generation, mariadb) == expected


@pytest.mark.parametrize(
    ("grants", "superuser", "writes", "roles"),
    [
        (["GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION",
          "GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION"],
         True, ["ALL PRIVILEGES, GRANT OPTION on *.*"], []),
        # MySQL 8 root: static list + dynamic privileges
        (["GRANT SELECT, INSERT, SUPER ON *.* TO `root`@`localhost`",
          "GRANT BACKUP_ADMIN,SYSTEM_VARIABLES_ADMIN ON *.* TO `root`@`localhost`"],
         True, ["INSERT, SUPER on *.*", "BACKUP_ADMIN, SYSTEM_VARIABLES_ADMIN on *.*"], []),
        (["GRANT USAGE ON *.* TO `app`@`%`",
          "GRANT SELECT (id, email), UPDATE (email) ON `shop`.`customers` TO `app`@`%`"],
         False, ["UPDATE on `shop`.`customers`"], []),
        (["GRANT PROCESS ON *.* TO `ro`@`%`", "GRANT SELECT, SHOW VIEW ON `shop`.* TO `ro`@`%`",
          "GRANT SELECT, EXECUTE ON `sys`.* TO `ro`@`%`"],
         False, [], []),
        (["GRANT USAGE ON *.* TO `app`@`%`", "GRANT `app_writer` TO `app`@`%`"], False, [], ["`app_writer`"]),
        (["GRANT EXECUTE ON PROCEDURE `shop`.`purge` TO `app`@`%`"], False, ["EXECUTE on `shop`.`purge`"], []),
    ],
)
def test_show_grants_summary(grants, superuser, writes, roles) -> None:
    summary = summarise_grants(grants)
    assert (summary.superuser, summary.write_privileges, summary.roles) == (superuser, writes, roles)
