"""The least-privilege role dbsage should log in as on PostgreSQL, as SQL a DBA runs (doctor and the checkup
show it)."""

from __future__ import annotations

import psycopg.sql


def read_only_role_sql(database: str, schemas: list[str], role: str = "dbsage_ro") -> str:
    """The least-privilege role dbsage should log in as: reads data and statistics, changes nothing."""
    db = psycopg.sql.Identifier(database).as_string(None)
    lines = [
        f"CREATE ROLE {role} LOGIN PASSWORD 'choose-a-password';",
        f"ALTER ROLE {role} SET default_transaction_read_only = on;",
        f"ALTER ROLE {role} SET pg_stat_statements.track = 'none';  -- keep dbsage's own reads out of the statistics",
        f"GRANT pg_monitor TO {role};  -- statistics views, pg_stat_statements",
        f"GRANT CONNECT ON DATABASE {db} TO {role};",
    ]
    for schema in schemas:
        s = psycopg.sql.Identifier(schema).as_string(None)
        lines += [
            f"GRANT USAGE ON SCHEMA {s} TO {role};",
            f"GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {role};",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT ON TABLES TO {role};",
        ]
    return "\n".join(lines)
