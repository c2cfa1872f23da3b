"""Advisor benchmark: dbsage vs one-index-per-predicate-column vs postgres-mcp's index tuning, in the same run.

    .venv/bin/python bench/advisor/run.py            # see bench/README.md

Workloads: TPC-H SF1 (22 queries), an OLTP workload on the same schema (bench/advisor/oltp.sql), a fleet-telemetry
workload on its own schema (bench/advisor/fleet.sql + fleet_setup.sql, written before dbsage was run on it) and the
demo app's queries (tools/demo/workload.sql, on a throwaway cluster). Budgets: 25 %, 50 %, 100 % of the data size.
Every database is settled first (CHECKPOINT, VACUUM ANALYZE, CHECKPOINT: the visibility map set, as in production);
the output says so, with the share of all-visible pages.
Every index set is scored by the same referee: the sum of the planner's costs over the workload with that set created
as hypothetical indexes (hypopg), so no tool is judged by its own arithmetic; figures are ratios to the workload's
cost without new indexes, measured in the same run. Beside dbsage: the exhaustive optimum over a pool of dbsage's 14
most useful candidates (every budget-fitting set costed), and dbsage's search on that same pool. The fleet set is then
built for real and timed with EXPLAIN ANALYZE (median of 3), to check the estimated gains are real.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))

from tpch_setup import data_size, load, tpch_queries  # noqa: E402

from dbsage.tools.advisor.access import analyze  # noqa: E402
from dbsage.tools.advisor.advisor import AdviseOptions, advise_database, schema_map  # noqa: E402
from dbsage.tools.advisor.workload import WorkloadStatement, split_statements  # noqa: E402
from dbsage.tools.engines import connect  # noqa: E402
from dbsage.tools.engines.base import SessionLimits  # noqa: E402
from dbsage.tools.engines.postgres.adapter import PostgresEngine  # noqa: E402
from dbsage.tools.targets import resolve  # noqa: E402

BUDGETS = (0.25, 0.50, 1.00)
PGMCP_PYTHON = ROOT / "bench" / ".venv-pgmcp" / "bin" / "python"
_NAME = re.compile(r"CREATE\s+(UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(IF\s+NOT\s+EXISTS\s+)?(\S+\s+)?ON\s", re.I)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the referee ------------------------------------------------------------------------------------------------------

def referee(dsn: str, queries: list[tuple[str, str]], definitions: list[str]) -> dict[str, Any]:
    """Planner cost of every query with exactly these hypothetical indexes; total hypothetical size."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET statement_timeout = '30s'")
        conn.execute("SELECT hypopg_reset()")
        size = 0
        for definition in definitions:
            anonymous = _NAME.sub("CREATE INDEX ON ", definition.rstrip(";"))
            oid = conn.execute("SELECT indexrelid FROM hypopg_create_index(%s)", (anonymous,)).fetchone()[0]
            size += int(conn.execute("SELECT hypopg_relation_size(%s)", (oid,)).fetchone()[0])
        costs = {}
        for name, sql in queries:
            plan = conn.execute(f"EXPLAIN (FORMAT JSON) {sql}").fetchone()[0]
            costs[name] = float(plan[0]["Plan"]["Total Cost"])
        conn.execute("SELECT hypopg_reset()")
    return {"total": sum(costs.values()), "costs": costs, "size_bytes": size, "indexes": len(definitions)}


# -- the three advisors -----------------------------------------------------------------------------------------------

def run_dbsage(dsn: str, queries: list[tuple[str, str]], budget: int | None, max_seconds: float) -> dict[str, Any]:
    engine = connect(resolve(dsn), SessionLimits(statement_timeout_ms=30_000, idle_in_transaction_timeout_ms=60_000))
    assert isinstance(engine, PostgresEngine)
    statements = [WorkloadStatement(id=name, sql=sql) for name, sql in queries]
    try:
        started = time.monotonic()
        report = advise_database(engine, statements, AdviseOptions(budget_bytes=budget, max_seconds=max_seconds))
        seconds = time.monotonic() - started
    finally:
        engine.close()
    return {"seconds": seconds, "definitions": [r.create_sql for r in report.recommendations],
            "skipped": [s.statement_id for s in report.skipped], "timed_out": report.timed_out,
            "estimated_reduction": report.reduction}


def run_single_column(dsn: str, queries: list[tuple[str, str]]) -> dict[str, Any]:
    """Baseline (a): one single-column B-tree per column in an equality, range or join predicate."""
    engine = connect(resolve(dsn))
    started = time.monotonic()
    try:
        mapping = schema_map(engine.introspect())
    finally:
        engine.close()
    columns: set[tuple[str, str, str]] = set()
    for _, sql in queries:
        for access in analyze(sql, mapping):
            for key in access.equality + access.ranges + access.joins:
                if not key.expression:
                    columns.add((access.schema_name, access.table, key.sql))
    definitions = [f"CREATE INDEX ON {s}.{t} ({c})" for s, t, c in sorted(columns)]
    return {"seconds": time.monotonic() - started, "definitions": definitions, "skipped": [], "timed_out": False}


def _pgmcp_call(dsn: str, queries: list[str], budget: int | None, max_seconds: float) -> dict[str, Any]:
    request = {"dsn": dsn, "queries": queries, "max_seconds": max_seconds,
               "budget_mb": max(1, budget // (1024 * 1024)) if budget else None}
    done = subprocess.run([str(PGMCP_PYTHON), str(HERE / "pgmcp_driver.py")], input=json.dumps(request),
                          capture_output=True, text=True, timeout=max_seconds * 4 + 120)
    if done.returncode != 0:
        return {"error": " ".join(done.stderr.strip().splitlines()[-1:]), "indexes": [], "seconds": None}
    return dict(json.loads(done.stdout))


_CULPRIT = re.compile(r'(?:column|relation) "([^"]+)"')


def run_pgmcp(dsn: str, queries: list[tuple[str, str]], budget: int | None, max_seconds: float) -> dict[str, Any]:
    """Baseline (b): postgres-mcp 0.3.0's DatabaseTuningAdvisor, in its own Python 3.12 venv.

    One query it cannot analyse aborts its whole analysis. Then the queries that mention the name in its error are
    left out and it runs again, until it succeeds; the table reports how many queries it analysed in the end.
    """
    if not PGMCP_PYTHON.exists():
        return {"error": f"{PGMCP_PYTHON} missing: see bench/README.md", "definitions": [], "seconds": None}
    first = _pgmcp_call(dsn, [sql for _, sql in queries], budget, max_seconds)
    if not first.get("error"):
        return {"seconds": first["seconds"], "definitions": [i["definition"] for i in first["indexes"]],
                "analysed": len(queries), "timed_out": None}
    # Its parser cannot tell which table an unqualified column belongs to in a multi-table query: give it the same
    # queries with every column qualified (sqlglot), then leave out what still fails.
    remaining, errors, seconds = qualified(dsn, queries), [first["error"]], float(first.get("seconds") or 0.0)
    while remaining:
        answer = _pgmcp_call(dsn, [sql for _, sql in remaining], budget, max_seconds)
        seconds += answer.get("seconds") or 0.0
        error = answer.get("error")
        if not error:
            break
        errors.append(error.removeprefix("Error in workload analysis: "))
        found = _CULPRIT.search(error)
        culprits = [q for q in remaining if found and re.search(rf"\b{re.escape(found[1])}\b", q[1])]
        if not culprits:
            return {"error": errors[-1], "definitions": [], "seconds": seconds, "timed_out": None}
        remaining = [q for q in remaining if q not in culprits]
    note = (f"failed on the queries as written ({errors[0]}); given them with qualified columns, analysed "
            f"{len(remaining)}/{len(queries)}" + (f"; left out after: {'; '.join(errors[1:])}" if errors[1:] else ""))
    return {"seconds": seconds, "definitions": [i["definition"] for i in answer.get("indexes", [])] if remaining
            else [], "note": note, "analysed": len(remaining), "timed_out": None}


def qualified(dsn: str, queries: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The same queries with every column qualified by its table (sqlglot), where PostgreSQL still plans them."""
    import sqlglot
    from sqlglot.optimizer.qualify import qualify

    engine = connect(resolve(dsn))
    try:
        mapping = schema_map(engine.introspect())
    finally:
        engine.close()
    out = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        for name, sql in queries:
            try:
                tree = qualify(sqlglot.parse_one(sql, dialect="postgres"), dialect="postgres", db="public",
                               schema=mapping, quote_identifiers=False, identify=False)  # type: ignore[arg-type]
                text = tree.sql(dialect="postgres")
                conn.execute(f"EXPLAIN {text}")
            except Exception:  # noqa: BLE001 — keep the original when the rewrite does not plan
                text = sql
            out.append((name, text))
    return out


# -- settled databases, the exhaustive optimum ------------------------------------------------------------------------

def settle(dsn: str) -> dict[str, Any]:
    """CHECKPOINT, VACUUM ANALYZE, CHECKPOINT: with asynchronous commit VACUUM marks pages all-visible only once the
    loads' commits are flushed. Returns the share of all-visible pages, printed beside the figures."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")
        row = conn.execute("SELECT sum(relallvisible)::float8 / greatest(sum(relpages), 1) FROM pg_class "
                           "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace").fetchone()
    share = float(row[0] or 0.0)
    log(f"  settled (CHECKPOINT, VACUUM ANALYZE, CHECKPOINT): {share:.1%} of the pages all-visible")
    return {"settled": "CHECKPOINT; VACUUM ANALYZE; CHECKPOINT", "all_visible_share": share}


POOL_SIZE = 14


def optimum(dsn: str, queries: list[tuple[str, str]], budgets: list[int]) -> dict[int, dict[str, Any]]:
    """Per budget: the exhaustive optimum over a pool of dbsage's POOL_SIZE most useful candidates, and dbsage's
    budgeted search on the same pool (its candidate generation set aside: the search alone against the optimum)."""
    from dbsage.tools.advisor.advisor import MIN_GAIN_SHARE
    from dbsage.tools.advisor.exhaustive import exhaustive, small_pool
    from dbsage.tools.advisor.search import IndexSearch

    engine = connect(resolve(dsn), SessionLimits(statement_timeout_ms=30_000, idle_in_transaction_timeout_ms=600_000))
    assert isinstance(engine, PostgresEngine)
    statements = [WorkloadStatement(id=name, sql=sql) for name, sql in queries]
    out: dict[int, dict[str, Any]] = {}
    try:
        with engine.what_if() as backend:
            started = time.monotonic()
            space, solo = small_pool(backend, engine.introspect(), statements, size=POOL_SIZE)
            log(f"  pool of {len(space.relevant)} candidates in {time.monotonic() - started:.1f}s")
            for budget in budgets:
                space.budget_bytes, space.min_gain_share = budget, MIN_GAIN_SHARE
                started = time.monotonic()
                best = exhaustive(space, backend)
                seconds = time.monotonic() - started
                found = IndexSearch(space, backend).run(solo)
                out[budget] = {"pool": len(space.relevant), "sets_costed": best.sets_costed, "seconds": seconds,
                               "definitions": [c.create_sql() for c in best.chosen],
                               "search_definitions": [c.create_sql() for c in found.chosen]}
                log(f"  exhaustive at {budget / 2**20:,.0f} MB: {best.sets_costed} sets in {seconds:.1f}s")
    finally:
        engine.close()
    return out


# -- workloads --------------------------------------------------------------------------------------------------------

FLEET_DSN = "postgresql://postgres@127.0.0.1:5432/dbsage_bench_fleet"


def fleet_load(dsn: str) -> None:
    """Create and fill the fleet-telemetry tables (fleet_setup.sql) unless this database already has them."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        if conn.execute("SELECT to_regclass('public.bench_fleet_loaded') IS NOT NULL").fetchone()[0]:
            return
        log("loading the fleet-telemetry tables…")
        for table in ("sites", "devices", "readings", "alerts", "maintenance"):
            conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute((HERE / "fleet_setup.sql").read_text(encoding="utf-8"))
        conn.execute("CREATE TABLE bench_fleet_loaded (at timestamptz DEFAULT now())")
        conn.execute("INSERT INTO bench_fleet_loaded DEFAULT VALUES")


def fleet_queries() -> list[tuple[str, str]]:
    text = (HERE / "fleet.sql").read_text(encoding="utf-8")
    return [(f"fleet-{n:02d}", sql) for n, sql in enumerate(split_statements(text), start=1)]


def public_size(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT sum(pg_table_size(oid)) FROM pg_class WHERE relkind = 'r' AND "
                           "relnamespace = 'public'::regnamespace AND relname NOT LIKE 'bench%'").fetchone()
    return int(row[0])


def oltp_queries() -> list[tuple[str, str]]:
    text = (HERE / "oltp.sql").read_text(encoding="utf-8")
    return [(f"oltp-{n:02d}", sql) for n, sql in enumerate(split_statements(text), start=1)]


def compare(dsn: str, queries: list[tuple[str, str]], data_bytes: int, max_seconds: float,
            with_optimum: bool = True, with_pgmcp: bool = True) -> list[dict[str, Any]]:
    base = referee(dsn, queries, [])
    rows = []
    single = run_single_column(dsn, queries)
    single_score = referee(dsn, queries, single["definitions"])
    budgets = [int(data_bytes * share) for share in BUDGETS]
    best = optimum(dsn, queries, budgets) if with_optimum else {}
    for share, budget in zip(BUDGETS, budgets, strict=True):
        row: dict[str, Any] = {"budget_share": share, "budget_bytes": budget, "cost_before": base["total"]}
        tools: list[tuple[str, dict[str, Any]]] = [("dbsage", run_dbsage(dsn, queries, budget, max_seconds)),
                                                   ("single_column", single)]
        if budget in best:
            tools.append(("optimum", {**best[budget], "timed_out": False}))
            tools.append(("dbsage_on_pool", {"definitions": best[budget]["search_definitions"], "seconds": None}))
        if with_pgmcp and PGMCP_PYTHON.exists():
            tools.append(("postgres_mcp", run_pgmcp(dsn, queries, budget, max_seconds)))
        for name, result in tools:
            score = single_score if name == "single_column" else referee(dsn, queries, result["definitions"])
            row[name] = {**result, "cost_after": score["total"], "size_bytes": score["size_bytes"],
                         "reduction": 1 - score["total"] / base["total"], "costs": score["costs"],
                         "mean_query_reduction": statistics.mean(
                             1 - score["costs"][q] / base["costs"][q] for q in base["costs"] if base["costs"][q]),
                         "over_budget": score["size_bytes"] > budget}
            log(f"  {share:.0%} {name}: −{row[name]['reduction']:.1%} (per query −"
                f"{row[name]['mean_query_reduction']:.1%}) in {result.get('seconds') or 0:.1f}s, "
                f"{score['indexes']} indexes, {score['size_bytes'] / 2**20:.0f} MB")
        pgmcp_size = row["postgres_mcp"]["size_bytes"] if "postgres_mcp" in row else 0
        if pgmcp_size > budget:  # compare at the storage postgres-mcp really used, too
            same = run_dbsage(dsn, queries, pgmcp_size, max_seconds)
            score = referee(dsn, queries, same["definitions"])
            row["dbsage_at_pgmcp_size"] = {**same, "cost_after": score["total"], "size_bytes": score["size_bytes"],
                                           "reduction": 1 - score["total"] / base["total"]}
            log(f"  dbsage at postgres-mcp's {pgmcp_size / 2**20:.0f} MB: −{1 - score['total'] / base['total']:.1%}")
        row["base_costs"] = base["costs"]
        rows.append(row)
    return rows


# -- validation with real indexes -------------------------------------------------------------------------------------

def timed(conn: psycopg.Connection[Any], sql: str, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        plan = conn.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}").fetchone()[0]
        times.append(float(plan[0]["Execution Time"]))
    return statistics.median(times)


def validate(dsn: str, queries: list[tuple[str, str]], definitions: list[str]) -> dict[str, Any]:
    """Build the recommended indexes for real, time every query before and after (median of 3), drop them again."""
    names = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET statement_timeout = '10min'")
        before = {name: timed(conn, sql) for name, sql in queries}
        try:
            for number, definition in enumerate(definitions):
                name = f"bench_validate_{number}"
                real = _NAME.sub(f"CREATE INDEX {name} ON ", definition.rstrip(";"))
                log(f"  building {real}")
                conn.execute(real)
                names.append(name)
            conn.execute("ANALYZE")
            after = {name: timed(conn, sql) for name, sql in queries}
        finally:
            for name in names:
                conn.execute(f"DROP INDEX IF EXISTS {name}")
    return {"before_ms": before, "after_ms": after, "total_before_ms": sum(before.values()),
            "total_after_ms": sum(after.values())}


# -- the demo database ------------------------------------------------------------------------------------------------

def demo(max_seconds: float) -> list[dict[str, Any]]:
    from conftest import with_database

    from dbsage.tools.demo import DEMO_DATABASE
    from dbsage.tools.demo.scale import parse_scale
    from dbsage.tools.demo.workload import workload
    from dbsage.tools.engines.postgres.demo import DemoLoader
    from servers import postgres_cluster

    with postgres_cluster() as admin:
        DemoLoader(admin).ensure(parse_scale("small"))
        dsn = with_database(admin, DEMO_DATABASE)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
            conn.execute("CHECKPOINT")
            conn.execute("VACUUM ANALYZE")
            row = conn.execute("SELECT sum(pg_table_size(oid)) FROM pg_class WHERE relkind = 'r' AND "
                               "relnamespace = 'public'::regnamespace").fetchone()
        queries = [(q.name, q.sql) for q in workload()]
        return compare(dsn, queries, int(row[0]), max_seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/dbsage_bench_tpch")
    parser.add_argument("--fleet-dsn", default=FLEET_DSN, help="database for the fleet-telemetry workload")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="time limit for dbsage and postgres-mcp")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "advisor.json")
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=["tpch", "oltp", "fleet", "demo", "validate", "optimum", "pgmcp"])
    args = parser.parse_args()
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
    results: dict[str, Any] = {"max_seconds": args.max_seconds}
    options = {"with_optimum": "optimum" not in args.skip, "with_pgmcp": "pgmcp" not in args.skip}
    if not {"tpch", "oltp"} <= set(args.skip):
        load(args.dsn)
        size = data_size(args.dsn)
        results["data_bytes"] = size
        results["tpch_settled"] = settle(args.dsn)
        for name, queries in (("tpch", tpch_queries()), ("oltp", oltp_queries())):
            if name not in args.skip:
                log(f"{name}: {len(queries)} queries, data {size / 2**20:.0f} MB")
                results[name] = compare(args.dsn, queries, size, args.max_seconds, **options)
    fleet = fleet_queries()
    if "fleet" not in args.skip:
        fleet_load(args.fleet_dsn)
        results["fleet_settled"] = settle(args.fleet_dsn)
        results["fleet_bytes"] = public_size(args.fleet_dsn)
        log(f"fleet: {len(fleet)} queries, data {results['fleet_bytes'] / 2**20:.0f} MB")
        results["fleet"] = compare(args.fleet_dsn, fleet, results["fleet_bytes"], args.max_seconds, **options)
    if "demo" not in args.skip:
        log("demo workload")
        results["demo"] = demo(args.max_seconds)
    if "validate" not in args.skip and "fleet" in results:
        log("validating the fleet recommendation (100% budget) with real indexes")
        results["validation"] = validate(args.fleet_dsn, fleet, results["fleet"][-1]["dbsage"]["definitions"])
        results["validation"]["estimated_reduction"] = results["fleet"][-1]["dbsage"]["reduction"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=str))
    print(markdown(results))


COLUMNS = (("dbsage", "dbsage"), ("optimum", "exhaustive optimum (pool)"),
           ("dbsage_on_pool", "dbsage's search on the pool"), ("single_column", "single-column per predicate"),
           ("postgres_mcp", "postgres-mcp 0.3.0"))


def markdown(results: dict[str, Any]) -> str:
    """Cells: cost after / cost before (the same run's baseline) and the reduction; per-query mean; time; size."""
    present = [(key, title) for key, title in COLUMNS
               if any(key in row for w in ("tpch", "oltp", "fleet", "demo") for row in results.get(w, []))]
    lines = ["| workload | budget | " + " | ".join(title for _, title in present) + " |",
             "| --- | --- | " + " | ".join("---" for _ in present) + " |"]
    for workload in ("tpch", "oltp", "fleet", "demo"):
        for row in results.get(workload, []):
            cells = []
            for name, _ in present:
                r = row.get(name)
                if r is None:
                    cells.append("—")
                    continue
                over = " (over budget)" if r.get("over_budget") else ""
                seconds = f" · {r['seconds']:.1f} s" if r.get("seconds") is not None else ""
                error = f" error: {r['error']}" if r.get("error") else ""
                if r.get("analysed") is not None and r["analysed"] < len(row["base_costs"]):
                    error += f" ({r['analysed']}/{len(row['base_costs'])} queries analysed)"
                ratio = r["cost_after"] / row["cost_before"] if row["cost_before"] else 1.0
                cells.append(f"{ratio:.4f} (−{r['reduction']:.1%}; −{r['mean_query_reduction']:.0%}/query){seconds} · "
                             f"{r['size_bytes'] / 2**20:,.0f} MB{over}{error}")
            lines.append(f"| {workload} | {row['budget_share']:.0%} ({row['budget_bytes'] / 2**20:,.0f} MB) | "
                         + " | ".join(cells) + " |")
    for key in ("tpch_settled", "fleet_settled"):
        if key in results:
            lines.append(f"\n{key.removesuffix('_settled')}: settled ({results[key]['settled']}), "
                         f"{results[key]['all_visible_share']:.1%} of the pages all-visible")
    validation = results.get("validation")
    if validation:
        lines.append("")
        lines.append(f"fleet with real indexes: {validation['total_before_ms']:.1f} ms → "
                     f"{validation['total_after_ms']:.1f} ms (median of 3 per query); planner estimate "
                     f"−{validation['estimated_reduction']:.1%}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
