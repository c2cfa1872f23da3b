#!/usr/bin/env bash
# Set up from scratch (scripts/setup.sh) and run `dbsage demo` on the default database.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --python-only
exec .venv/bin/dbsage demo "$@"
