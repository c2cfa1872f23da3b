"""Run the installed `dbsage` console script the way a user does: a real subprocess, wide, colourless."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DBSAGE = str(Path(sys.executable).parent / "dbsage")


def run_dbsage(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`dbsage ARGS…` with DBSAGE_DB cleared (tests name their target) unless `env` sets it."""
    full_env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    full_env.pop("DBSAGE_DB", None)
    full_env.update(env or {})
    return subprocess.run([DBSAGE, *args], input=stdin, capture_output=True, text=True, timeout=timeout, env=full_env)
