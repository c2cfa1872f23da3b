"""Cold start of the `dbsage` command: `dbsage --help` against a bare interpreter start, in the same run.

Median of --runs subprocess runs each (after one warm-up run each so the OS file cache is equally warm). The ratio
to `python -c pass` is the figure to watch: heavy libraries (langchain, chromadb, mcp, drivers) must be imported
only inside the commands that need them, so `--help` costs typer + rich + our command modules.

    .venv/bin/python bench/startup_bench.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HEAVY = ("langchain", "langchain_openai", "chromadb", "mcp", "psycopg", "pymysql", "pymongo", "sqlglot", "pglast")


def median_ms(command: list[str], runs: int) -> float:
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True)  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def heavy_modules_loaded() -> list[str]:
    probe = ("import sys; from dbsage.agent.cli.app import app; from typer.main import get_command; get_command(app); "
             f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    dbsage = str(Path(sys.executable).with_name("dbsage"))
    if not os.path.exists(dbsage):
        raise SystemExit(f"{dbsage} not found: install dbsage into this interpreter's environment")
    baseline = median_ms([sys.executable, "-c", "pass"], args.runs)
    help_ms = median_ms([dbsage, "--help"], args.runs)
    print(f"| measurement (median of {args.runs}) | ms |\n| --- | ---: |")
    print(f"| baseline `python -c pass` | {baseline:.0f} |")
    print(f"| `dbsage --help` | {help_ms:.0f} |")
    print(f"| ratio | {help_ms / baseline:.1f}× |")
    heavy = heavy_modules_loaded()
    print(f"\nheavy modules imported by the CLI at start-up: {', '.join(heavy) if heavy else 'none'}")


if __name__ == "__main__":
    main()
