"""Live facts for the linter, read through the read-only engine: table rows and bytes, column types, version."""

from __future__ import annotations

from typing import Any

from dbsage.tools.migrations.model import LiveContext, TableFacts
from dbsage.tools.schema import SchemaSnapshot
from dbsage.tools.targets import Target


def context_for(db: str, dialect: str | None) -> tuple[LiveContext, str]:
    """Live facts for `--db`, and the dialect its engine speaks (a `--dialect` that disagrees is a usage error)."""
    from dbsage.tools.errors import UsageError
    from dbsage.tools.targets import resolve

    target = resolve(db)
    if target.engine not in ("postgres", "mysql"):
        raise UsageError("dbsage lint reads SQL migrations; this target is not a SQL database",
                         "point --db at PostgreSQL or MySQL/MariaDB")
    if dialect is not None and dialect != target.engine:
        raise UsageError(f"--dialect {dialect} disagrees with --db, which is {target.engine}",
                         "leave --dialect out when --db is given")
    return fetch_context(target), target.engine


def fetch_context(target: Target) -> LiveContext:
    """Connect read-only (the engine's own timeouts and limits), read the schema and the server version."""
    from dbsage.tools.engines import connect

    engine = connect(target)
    try:
        snapshot = engine.introspect()
        version = engine.server_report().version
        writes = _writes(engine, target.engine)
    finally:
        engine.close()
    context = context_from(snapshot, version)
    for name, (count, seconds) in writes.items():
        facts = context.tables.get(name)
        if facts is not None:
            facts.writes = count
            facts.hot = count >= HOT_WRITES or (seconds >= 3600 and count / seconds >= HOT_WRITES_PER_SECOND)
    return context


# A table this busy is "hot": even a small one queues its writers behind a lock, so size alone never calls a
# finding on it harmless (sizes.weigh).
HOT_WRITES = 100_000
HOT_WRITES_PER_SECOND = 1.0  # averaged over at least an hour of statistics

# Rows written per table since the statistics began, and for how many seconds they have counted, through the
# engine's guarded read path (plain SELECTs on the statistics views).
_WRITES_SQL = {
    "postgres": "SELECT lower(schemaname || '.' || relname), n_tup_ins + n_tup_upd + n_tup_del, "
                "extract(epoch FROM now() - coalesce((SELECT stats_reset FROM pg_stat_database "
                "WHERE datname = current_database()), pg_postmaster_start_time()))::bigint FROM pg_stat_user_tables",
    "mysql": "SELECT lower(concat(OBJECT_SCHEMA, '.', OBJECT_NAME)), COUNT_WRITE, (SELECT VARIABLE_VALUE FROM "
             "information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'UPTIME') FROM "
             "performance_schema.table_io_waits_summary_by_table WHERE OBJECT_SCHEMA = DATABASE()",
}


def _writes(engine: Any, engine_name: str) -> dict[str, tuple[int, float]]:
    """schema.table → (rows written, seconds counted); empty where the statistics cannot be read (performance_schema
    off, no privilege): the sizes still judge."""
    from dbsage.tools.errors import DbsageError

    sql = _WRITES_SQL.get(engine_name)
    if sql is None:
        return {}
    try:
        result = engine.run(sql, max_rows=100_000)
    except DbsageError:
        return {}
    return {str(name): (int(count or 0), float(seconds or 0)) for name, count, seconds in result.rows}


def context_from(snapshot: SchemaSnapshot, version: str | None) -> LiveContext:
    """A LiveContext from an introspected schema (each table under its bare and its schema-qualified name)."""
    context = LiveContext(server_version=_version_number(version), mariadb="mariadb" in (version or "").lower())
    for table in snapshot.tables:
        facts = TableFacts(rows=max(table.row_estimate or 0, 0), bytes=table.size_bytes,
                           columns={c.name.lower(): c.type for c in table.columns})
        context.tables.setdefault(table.name.lower(), facts)
        context.tables[table.qualified_name.lower()] = facts
    return context


def _version_number(version: str | None) -> int | None:
    """'PostgreSQL 15.4 …' / '10.11.6-MariaDB' / '8.0.36' → 150400 / 101106 / 80036 (major*10000+minor*100+patch)."""
    for word in (version or "").replace("-", " ").split():
        pieces = word.split(".")
        if len(pieces) >= 2 and all(p.isdigit() for p in pieces[:3]):
            numbers = [int(p) for p in pieces[:3]] + [0]
            return numbers[0] * 10000 + numbers[1] * 100 + numbers[2]
    return None
