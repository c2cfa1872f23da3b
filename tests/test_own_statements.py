"""dbsage's own statements stay out of pg_stat_statements, so `dbsage top` shows the application's work."""

from __future__ import annotations

import psycopg

from dbsage.tools.engines import connect
from dbsage.tools.engines.postgres.adapter import read_only_role_sql
from dbsage.tools.targets import resolve

APP = ("CREATE TABLE accounts (id int PRIMARY KEY, owner text);"
       "INSERT INTO accounts SELECT g, 'o' FROM generate_series(1, 50) g;")
RESET = "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)"


def _tracked(admin_dsn: str, marker: str) -> list[str]:
    with psycopg.connect(admin_dsn) as conn:
        rows = conn.execute(
            "SELECT query FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname ="
            " current_database()) AND query LIKE %s", (f"%{marker}%",)).fetchall()
    return [r[0] for r in rows]


def _exercise(dsn: str) -> None:
    engine = connect(resolve(dsn))
    try:
        engine.introspect()  # catalog reads: pg_total_relation_size(...) among them
        engine.run_sql("SELECT owner, count(*) FROM accounts WHERE id > 0 GROUP BY owner")
    finally:
        engine.close()


def test_superuser_sessions_are_not_tracked(make_pg_db) -> None:
    dsn = make_pg_db(APP)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(RESET)
        conn.execute("SELECT id AS app_marker FROM accounts")  # the application's own statement
    _exercise(dsn)
    assert _tracked(dsn, "app_marker"), "the application's statement is tracked"
    assert _tracked(dsn, "pg_total_relation_size") == []
    assert _tracked(dsn, "FROM accounts WHERE id >") == []


def test_the_read_only_role_recipe_keeps_its_statements_out_too(make_pg_db, pg_admin_dsn) -> None:
    dsn = make_pg_db(APP)
    database = dsn.rsplit("/", 1)[1]
    recipe = read_only_role_sql(database, ["public"], role="dbsage_ro_track")
    recipe = recipe.replace(" PASSWORD 'choose-a-password'", "")
    # Control: the same role without the tracking line is tracked, so the assertion below can fail.
    control = "\n".join(line for line in recipe.replace("dbsage_ro_track", "dbsage_ro_control").splitlines()
                        if "pg_stat_statements.track" not in line)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(recipe)
        conn.execute(control)
        conn.execute(RESET)
    _exercise(dsn.replace("postgresql://postgres@", "postgresql://dbsage_ro_control@"))
    assert _tracked(dsn, "FROM accounts WHERE id >")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(RESET)
    _exercise(dsn.replace("postgresql://postgres@", "postgresql://dbsage_ro_track@"))
    assert _tracked(dsn, "pg_total_relation_size") == []
    assert _tracked(dsn, "FROM accounts WHERE id >") == []
