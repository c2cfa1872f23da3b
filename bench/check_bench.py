"""`dbsage check` on a large schema: 2,000 tables, 20,000 columns, 4,000 indexes, 1,999 foreign keys.

Reuses the schema benchmark's generator (bench/schema_bench.py) in a database of its own (`dbsage_bench_check`,
dropped afterwards unless --keep), runs a little workload so the statistics views are not empty, then measures,
as medians over --runs runs:

- the in-process checkup (`engine.checks()`: connect + every fact query + every rule + scorecard);
- the real CLI as a subprocess, table and JSON output (interpreter start-up included).

Target (issue 4): the checkup of the 2,000-table schema < 3 s.

    .venv/bin/python bench/check_bench.py [--db DSN] [--runs 5] [--keep]
"""

from __future__ import annotations

import psycopg
import schema_bench  # the 2,000-table generator and the harness, shared with the schema benchmark

DATABASE = "dbsage_bench_check"  # same generator, own database: the two benchmarks may run side by side


def checkup(dsn: str) -> str:
    from dbsage.tools.engines import connect
    from dbsage.tools.targets import resolve

    engine = connect(resolve(dsn))
    try:
        report = engine.checks()
    finally:
        engine.close()
    return f"{len(report.findings)} findings listed, {sum(report.omitted.values())} more counted"


def cli(dsn: str, *args: str) -> None:
    schema_bench.run_cli("check", dsn, *args)


def workload(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        available = conn.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_stat_statements'")
        if available.fetchone()[0]:  # type: ignore[index]
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")  # its fact query is measured too
        for i in range(1, schema_bench.TABLES + 1, 7):
            conn.execute(f"SELECT * FROM t{i:05d} WHERE id = 1")  # type: ignore[arg-type]


def main() -> None:
    args = schema_bench.arguments(__doc__ or "", DATABASE)
    dsn = schema_bench.create_schema(args.db, DATABASE)
    try:
        workload(dsn)
        findings = checkup(dsn)  # warm-up, and what we measure
        results = [
            ("checkup, in-process (connect + facts + rules)", schema_bench.median_ms(lambda: checkup(dsn), args.runs)),
            ("checkup, CLI `dbsage check` (table)", schema_bench.median_ms(lambda: cli(dsn), args.runs)),
            ("checkup, CLI `dbsage check -f json`", schema_bench.median_ms(lambda: cli(dsn, "-f", "json"), args.runs)),
        ]
    finally:
        if not args.keep:
            schema_bench.drop_database(args.db, DATABASE)
    print(f"\n{findings} on the 2,000-table schema")
    print(f"\n| measurement (median of {args.runs}) | ms | target ms |\n| --- | ---: | ---: |")
    for name, ms in results:
        print(f"| {name} | {ms:,.0f} | < 3000 |")


if __name__ == "__main__":
    main()
