#!/usr/bin/env bash
# Type-check dbsage as the package it installs as. The repository root is the `dbsage` package (setuptools
# package-dir mapping), which mypy cannot follow from `mypy .`: it would see `dbsage.*` imports as missing and, with
# ignore_missing_imports, type every cross-module call as Any. A symlink named `dbsage` gives it the real layout.
set -euo pipefail
cd "$(dirname "$0")/.."
shadow=$(mktemp -d)
trap 'rm -rf "$shadow"' EXIT
ln -s "$PWD" "$shadow/dbsage"
MYPYPATH="$shadow" exec .venv/bin/mypy -m dbsage -m dbsage.__main__ -p dbsage.agent -p dbsage.tools \
  -p dbsage.knowledge -p dbsage.prompts "$@"
