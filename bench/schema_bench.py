"""Schema introspection on a large schema: 2,000 tables, 20,000 columns, 4,000 indexes, with foreign keys and comments.

Creates the schema in a throwaway database (`dbsage_bench_schema`, dropped afterwards unless --keep) on the server
that --db (default: libpq defaults, like psql) logs into, then measures, as medians over --runs runs:

- `dbsage schema` of the whole schema: the real CLI as a subprocess (interpreter start-up included), table and
  JSON output, and the in-process call (`engine.introspect()`, connection included);
- a single-table lookup: in-process (`engine.introspect("t01000")`) and the CLI (`dbsage schema t01000`).

Targets (issue 2): whole schema < 2 s, single-table lookup < 100 ms.

    .venv/bin/python bench/schema_bench.py [--db DSN] [--runs 5] [--keep]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import psycopg

from dbsage.tools.engines.postgres.demo import database_dsn

DATABASE = "dbsage_bench_schema"
TABLES, COLUMNS_PER_TABLE = 2_000, 10
BATCH = 100  # tables per transaction: one transaction for all would run out of lock slots


def table_ddl(i: int) -> str:
    """t{i}: id + 9 columns (one FK to the previous table), PK + one secondary index, comments."""
    name = f"t{i:05d}"
    parent = f"parent_id bigint REFERENCES t{i - 1:05d} (id)," if i > 1 else "parent_id bigint,"
    return f"""
CREATE TABLE {name} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  {parent}
  name text NOT NULL,
  status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'done')),
  amount numeric(12, 2),
  quantity integer DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz,
  note text,
  payload jsonb
);
CREATE INDEX {name}_parent_id_idx ON {name} (parent_id);
COMMENT ON TABLE {name} IS 'benchmark table {i}';
COMMENT ON COLUMN {name}.name IS 'a name';
"""


def drop_database(admin_dsn: str, database: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def create_schema(admin_dsn: str, database: str = DATABASE) -> str:
    """The 2,000-table schema in a fresh `database` (dropped first when it exists); returns its DSN."""
    drop_database(admin_dsn, database)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {database}")
    dsn = database_dsn(admin_dsn, database)
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        for first in range(1, TABLES + 1, BATCH):
            with conn.transaction():
                conn.execute("".join(table_ddl(i) for i in range(first, first + BATCH)).encode())
        conn.execute("ANALYZE")
        counts = conn.execute("""
            SELECT (SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace),
                   (SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                    WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace AND a.attnum > 0),
                   (SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
                    WHERE c.relnamespace = 'public'::regnamespace),
                   (SELECT count(*) FROM pg_constraint WHERE contype = 'f')""").fetchone()
    print(f"schema: {counts[0]:,} tables, {counts[1]:,} columns, {counts[2]:,} indexes, {counts[3]:,} foreign keys "
          f"(created in {time.perf_counter() - started:.1f} s)")
    return dsn


def median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run_cli(command: str, dsn: str, *args: str) -> None:
    """`dbsage COMMAND ARGS --db DSN` as a subprocess (interpreter start-up included); stops the run on failure."""
    done = subprocess.run([sys.executable, "-m", "dbsage", command, *args, "--db", dsn],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"dbsage {command} failed: {done.stderr}")


def cli(dsn: str, *args: str) -> None:
    run_cli("schema", dsn, *args)


def in_process(dsn: str, object_name: str | None = None) -> int:
    from dbsage.tools.engines import connect
    from dbsage.tools.targets import resolve

    engine = connect(resolve(dsn))
    try:
        return len(engine.introspect(object_name).tables)
    finally:
        engine.close()


def measure(dsn: str, runs: int) -> list[tuple[str, float, str]]:
    assert in_process(dsn) == TABLES and in_process(dsn, "t01000") == 1  # warm up, and check what we measure
    return [
        ("whole schema, in-process (connect + introspect)", median_ms(lambda: in_process(dsn), runs), "< 2000"),
        ("whole schema, CLI `dbsage schema` (table)", median_ms(lambda: cli(dsn), runs), "< 2000"),
        ("whole schema, CLI `dbsage schema -f json`", median_ms(lambda: cli(dsn, "-f", "json"), runs), "< 2000"),
        ("one table, in-process (connect + introspect)", median_ms(lambda: in_process(dsn, "t01000"), runs),
         "< 100"),
        ("one table, CLI `dbsage schema t01000`", median_ms(lambda: cli(dsn, "t01000"), runs), "—"),
    ]


def arguments(doc: str, database: str) -> argparse.Namespace:
    """--db, --runs, --keep: the options every benchmark on the 2,000-table schema takes."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--db", default="", help="admin DSN of the server to use (default: libpq defaults)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help=f"keep the {database} database")
    return parser.parse_args()


def main() -> None:
    args = arguments(__doc__ or "", DATABASE)
    dsn = create_schema(args.db)
    try:
        results = measure(dsn, args.runs)
    finally:
        if not args.keep:
            drop_database(args.db, DATABASE)
    print(f"\n| measurement (median of {args.runs}) | ms | target ms |\n| --- | ---: | ---: |")
    for name, ms, target in results:
        print(f"| {name} | {ms:,.0f} | {target} |")


if __name__ == "__main__":
    main()
