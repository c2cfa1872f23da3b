"""PostgreSQL introspection and capability report against a real throwaway cluster."""

from __future__ import annotations

import pytest

from dbsage.tools.engines import connect
from dbsage.tools.engines.postgres.adapter import PostgresEngine
from dbsage.tools.erd import to_mermaid
from dbsage.tools.errors import TargetUnreachable
from dbsage.tools.targets import resolve

SHOP = """
CREATE TABLE customers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE,
  name text,
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE customers IS 'people who buy';
COMMENT ON COLUMN customers.email IS 'login address';
CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers(id),
  total numeric(12,2) CHECK (total >= 0),
  status text DEFAULT 'new'
);
CREATE INDEX orders_lower_status ON orders (lower(status)) INCLUDE (total);
CREATE TABLE audit_log (at timestamptz, what text);
CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 1000;
CREATE MATERIALIZED VIEW order_counts AS SELECT customer_id, count(*) FROM orders GROUP BY 1;
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id int PRIMARY KEY, order_id bigint REFERENCES orders(id));
INSERT INTO customers (email) SELECT 'c' || g || '@x' FROM generate_series(1, 500) g;
ANALYZE customers;
"""


@pytest.fixture(scope="module")
def shop(make_pg_db) -> PostgresEngine:
    engine = connect(resolve(make_pg_db(SHOP)))
    assert isinstance(engine, PostgresEngine)
    yield engine
    engine.close()


def test_whole_schema_lists_user_objects_only(shop: PostgresEngine) -> None:
    snapshot = shop.introspect()
    names = {t.qualified_name: t.kind for t in snapshot.tables}
    assert names == {
        "public.customers": "table",
        "public.orders": "table",
        "public.audit_log": "table",
        "public.big_orders": "view",
        "public.order_counts": "materialized view",
        "billing.invoices": "table",
    }  # pg_stat_statements' view belongs to the extension and is left out


def test_columns_constraints_indexes_and_comments(shop: PostgresEngine) -> None:
    customers = shop.introspect("customers").tables[0]
    assert customers.comment == "people who buy"
    assert [c.name for c in customers.columns] == ["id", "email", "name", "created_at"]
    email = customers.columns[1]
    assert (email.type, email.nullable, email.comment) == ("text", False, "login address")
    assert customers.columns[0].default == "GENERATED ALWAYS AS IDENTITY"
    assert customers.columns[3].default == "now()"
    assert customers.primary_key and customers.primary_key.columns == ["id"]
    assert customers.row_estimate == 500
    assert customers.size_bytes and customers.size_bytes > 8192
    unique_index = next(i for i in customers.indexes if i.unique and not i.primary)
    assert unique_index.backs_constraint == "customers_email_key"
    assert unique_index.scans == 0

    orders = shop.introspect("public.orders").tables[0]
    fk = orders.foreign_keys[0]
    assert (fk.columns, fk.references_table, fk.references_columns) == (["customer_id"], "customers", ["id"])
    assert any(c.kind == "check" and "total >= " in (c.definition or "") for c in orders.constraints)
    expr = next(i for i in orders.indexes if i.name == "orders_lower_status")
    assert expr.columns == ["lower(status)"]
    assert "INCLUDE (total)" in (expr.definition or "")
    assert expr.backs_constraint is None


def test_other_schema_and_missing_object(shop: PostgresEngine) -> None:
    invoices = shop.introspect("billing.invoices").tables[0]
    assert invoices.foreign_keys[0].references_table == "orders"
    assert shop.introspect("no_such_table").tables == []


def test_mermaid_draws_entities_and_relationships(shop: PostgresEngine) -> None:
    diagram = to_mermaid(shop.introspect())
    assert diagram.startswith("erDiagram\n")
    assert "public_customers ||--o{ public_orders" in diagram  # NOT NULL FK: exactly one parent
    assert "public_orders |o--o{ billing_invoices" in diagram  # nullable FK: zero or one parent
    assert "bigint id PK" in diagram


def test_server_report_probes_capabilities_and_login(shop: PostgresEngine) -> None:
    report = shop.server_report()
    assert report.version.startswith("PostgreSQL ")
    caps = {c.name: c for c in report.capabilities}
    assert caps["pg_stat_statements"].available is True
    assert caps["hypopg"].available is True
    assert caps["pg_qualstats"].available is False  # preloaded, but CREATE EXTENSION not run
    assert "CREATE EXTENSION pg_qualstats" in (caps["pg_qualstats"].fix or "")
    assert caps["track_io_timing"].available is True
    login = report.login
    assert login and login.superuser and login.can_write
    assert any("superuser" in w for w in login.warnings)
    assert "GRANT pg_monitor" in (login.read_only_role_sql or "")


def test_read_only_login_is_reported_as_such(shop: PostgresEngine, make_pg_db, pg_admin_dsn) -> None:
    import psycopg

    with psycopg.connect(pg_admin_dsn, autocommit=True) as admin:
        admin.execute("CREATE ROLE ro_probe LOGIN")
        admin.execute("GRANT pg_monitor TO ro_probe")
    dsn = make_pg_db("REVOKE CREATE ON SCHEMA public FROM PUBLIC; CREATE TABLE t (id int);")
    ro = connect(resolve(dsn.replace("postgresql://postgres@", "postgresql://ro_probe@")))
    try:
        login = ro.server_report().login
        assert login and not login.superuser
        assert login.user == "ro_probe"
        assert login.can_write is False and login.write_privileges == []
        assert login.warnings == []
    finally:
        ro.close()


def test_session_is_read_only_with_timeouts(shop: PostgresEngine) -> None:
    row = shop.catalog_query(
        "SELECT current_setting('transaction_read_only') AS ro, current_setting('statement_timeout') AS st,"
        " current_setting('lock_timeout') AS lt, current_setting('application_name') AS app"
    )[0]
    assert row == {"ro": "on", "st": "5s", "lt": "1s", "app": "dbsage"}


def test_unreachable_server_says_what_to_do_without_the_password() -> None:
    engine = connect(resolve("postgresql://app:hunter2@127.0.0.1:1/nowhere"))
    with pytest.raises(TargetUnreachable) as info:
        engine.introspect()
    assert "hunter2" not in str(info.value)
    assert "check the server is running" in str(info.value)
