"""Rehearsal on a large schema: copy the schema benchmark's 2,000 tables (20,000 columns, 4,000 indexes, 1,999
foreign keys, comments; 100 rows a table) into a scratch database and rehearse a 5-step migration up, down, up.

Creates `dbsage_bench_rehearse` (the target) and `dbsage_bench_rehearse_scratch` on the server --db logs into (a
login that may create databases; default libpq's), runs `rehearse()` in-process --runs times for each schema copy
method (pg_dump --schema-only, and dbsage's own catalog DDL), and prints medians: total, schema copy, row sample,
the three passes. Target (issue 14): < 30 s in all. Drops both databases afterwards unless --keep.

    .venv/bin/python bench/rehearse/run.py [--db DSN] [--runs 3] [--keep]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import schema_bench  # noqa: E402 — the 2,000-table generator and the harness, shared with the schema benchmark

from dbsage.tools.engines.postgres.demo import database_dsn  # noqa: E402
from dbsage.tools.migrations.rehearse import RehearsalResult, rehearse, steps_from_script  # noqa: E402
from dbsage.tools.targets import resolve  # noqa: E402

DATABASE, SCRATCH = "dbsage_bench_rehearse", "dbsage_bench_rehearse_scratch"
ROWS_PER_TABLE = 100
UP = """CREATE INDEX CONCURRENTLY t01000_amount_idx ON t01000 (amount);
ALTER TABLE t01000 ADD COLUMN flag boolean;
ALTER TABLE t01000 ADD CONSTRAINT t01000_quantity_check CHECK (quantity >= 0) NOT VALID;
ALTER TABLE t01000 VALIDATE CONSTRAINT t01000_quantity_check;
ALTER TABLE t01001 ALTER COLUMN quantity TYPE bigint;"""
DOWN = """ALTER TABLE t01001 ALTER COLUMN quantity TYPE integer;
ALTER TABLE t01000 DROP CONSTRAINT t01000_quantity_check;
ALTER TABLE t01000 DROP COLUMN flag;
DROP INDEX CONCURRENTLY t01000_amount_idx;"""


def fill(dsn: str) -> None:
    """ROWS_PER_TABLE rows in every table, each row's parent_id pointing at the parent table's row of the same id."""
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        for first in range(1, schema_bench.TABLES + 1, schema_bench.BATCH):
            with conn.transaction():
                for i in range(first, first + schema_bench.BATCH):
                    conn.execute(f"INSERT INTO t{i:05d} (parent_id, name, amount, quantity, note) "  # type: ignore
                                 f"SELECT {'g' if i > 1 else 'NULL'}, 'n' || g, g, g, 'x' "
                                 f"FROM generate_series(1, {ROWS_PER_TABLE}) g")
        conn.execute("ANALYZE")
    print(f"rows: {ROWS_PER_TABLE} in each table (filled in {time.perf_counter() - started:.1f} s)")


def once(admin: str, target: str, scratch: str, method: str) -> RehearsalResult:
    """One rehearsal into a freshly created, empty scratch (what a first rehearsal meets)."""
    schema_bench.drop_database(admin, SCRATCH)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {SCRATCH}")
    result = rehearse(resolve(target), resolve(scratch), steps_from_script(UP), steps_from_script(DOWN),
                      sample_rows=2000, schema_copy=method)
    if not result.ok:
        raise SystemExit(f"rehearsal failed: {result.verdict}\n" + "\n".join(result.diff[:20]))
    return result


def main() -> None:
    args = schema_bench.arguments(__doc__ or "", DATABASE)
    target = schema_bench.create_schema(args.db, DATABASE)
    scratch = database_dsn(args.db, SCRATCH)
    try:
        fill(target)
        rows = []
        for method in ("pg_dump", "catalog"):
            results = [once(args.db, target, scratch, method) for _ in range(args.runs)]
            first = results[0]
            passes = {name: statistics.median(r.passes[n].seconds for r in results)
                      for n, name in enumerate(("up", "down", "up again"))}
            rows.append((first.schema_copy.method.split(" (")[0], statistics.median(r.seconds for r in results),
                         statistics.median(r.schema_copy.seconds for r in results),
                         statistics.median(r.sample.seconds for r in results), first.sample.rows, passes))
        print(f"\n{args.runs} runs each, into an empty scratch; 5-step migration on t01000/t01001; up to 2,000 rows "
              "sampled per table\n")
        print("| schema copy | total (s) | schema copy (s) | row sample (s) | rows | up / down / up again (s) "
              "| target |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for method, total, copy, sample, count, passes in rows:
            print(f"| {method} | {total:.1f} | {copy:.1f} | {sample:.1f} | {count:,} | "
                  f"{passes['up']:.2f} / {passes['down']:.2f} / {passes['up again']:.2f} | < 30 |")
    finally:
        if not args.keep:
            schema_bench.drop_database(args.db, DATABASE)
            schema_bench.drop_database(args.db, SCRATCH)


if __name__ == "__main__":
    main()
