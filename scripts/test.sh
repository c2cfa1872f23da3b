#!/usr/bin/env bash
# Set up from scratch (scripts/setup.sh), then lint, type-check and run the whole test suite against real servers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
bash scripts/typecheck.sh
.venv/bin/pytest "$@"
