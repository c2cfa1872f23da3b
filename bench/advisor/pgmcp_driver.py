"""Drive postgres-mcp's index tuning (DatabaseTuningAdvisor, its `analyze_query_indexes` "dta" method) directly.

Runs in the bench's own Python 3.12 venv (bench/.venv-pgmcp), not in dbsage's. Reads one JSON request on stdin:
{"dsn", "queries", "budget_mb", "max_seconds"}; writes one JSON answer on stdout: the recommended index definitions,
their size estimates, the wall time and any error.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time

from postgres_mcp.index.dta_calc import DatabaseTuningAdvisor
from postgres_mcp.sql import DbConnPool, SqlDriver


async def tune(request: dict) -> dict:
    pool = DbConnPool(request["dsn"])
    await pool.pool_connect()
    driver = SqlDriver(conn=pool)
    budget_mb = int(request["budget_mb"]) if request.get("budget_mb") else -1
    advisor = DatabaseTuningAdvisor(driver, budget_mb=budget_mb, max_runtime_seconds=int(request["max_seconds"]))
    started = time.monotonic()
    session = await advisor.analyze_workload(query_list=request["queries"], max_index_size_mb=budget_mb)
    elapsed = time.monotonic() - started
    await pool.close()
    return {
        "seconds": elapsed,
        "error": session.error,
        "indexes": [{"definition": r.definition, "table": r.table, "columns": list(r.columns),
                     "size_bytes": r.estimated_size_bytes} for r in session.recommendations],
    }


if __name__ == "__main__":
    logging.disable(logging.CRITICAL)
    print(json.dumps(asyncio.run(tune(json.load(sys.stdin)))))
