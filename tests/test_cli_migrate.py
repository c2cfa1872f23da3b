"""`dbsage migrate draft` and `dbsage proposals export --format` through the installed console script: exit codes,
JSON, files in the tool's layout, proposals of kind `migration` with their lint verdict, export after approval."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from test_draft_apply import PG_SETUP

from cli import run_dbsage


@pytest.fixture(scope="module")
def shop(make_pg_db: Callable[..., str]) -> str:
    return make_pg_db(PG_SETUP)


def test_draft_offline_prints_phases_and_steps() -> None:
    run = run_dbsage("migrate", "draft", "rename-column", "--table", "orders", "--column", "note", "--new-name",
                     "remark", "--type", "text", "--server-version", "15")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "expand phase" in out and "contract phase" in out and "then the application" in out
    assert "CREATE TRIGGER" in out and "PostgreSQL 15" in out and "not checked against a database" in out


def test_draft_live_json_and_files(shop: str, tmp_path: Path) -> None:
    out = tmp_path / "versions"
    run = run_dbsage("migrate", "draft", "add-foreign-key", "-t", "orders", "-c", "customer_id", "--references",
                     "customers(id)", "--db", shop, "--to", "alembic", "--out", str(tmp_path), "--format", "json")
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    assert document["dbsage"] == 1 and document["command"] == "migrate draft"
    assert document["draft"]["checked_live"] is True and document["draft"]["server"]["flavor"] == "postgresql"
    assert [Path(p).parent for p in document["files"]] == [out]
    assert "autocommit_block" in Path(document["files"][0]).read_text()


def test_unknown_column_exits_1_with_close_matches(shop: str) -> None:
    run = run_dbsage("migrate", "draft", "add-index", "-t", "orders", "-c", "amout", "--db", shop)
    assert run.returncode == 1
    assert "has no column amout" in run.stderr and "did you mean amount" in run.stderr


def test_unknown_table_exits_1_json(shop: str) -> None:
    run = run_dbsage("migrate", "draft", "add-index", "-t", "ordrs", "-c", "amount", "--db", shop, "-f", "json")
    assert run.returncode == 1
    document = json.loads(run.stdout)
    assert "did you mean orders" in document["error"] and document["hint"]


def test_unknown_intent_exits_2() -> None:
    run = run_dbsage("migrate", "draft", "add-idx", "-t", "orders", "-c", "a")
    assert run.returncode == 2 and "unknown intent" in run.stderr and "add-index" in run.stderr


def test_bad_option_value_exits_2() -> None:
    run = run_dbsage("migrate", "draft", "backfill", "-t", "orders", "-c", "a", "--set", "0", "--batch-size", "0")
    assert run.returncode == 2 and "--batch-size" in run.stderr


def test_propose_then_export_an_approved_migration(shop: str, tmp_path: Path) -> None:
    env = {"DBSAGE_STATE_DIR": str(tmp_path / "state")}
    run = run_dbsage("migrate", "draft", "set-not-null", "-t", "orders", "-c", "code", "--db", shop, "--propose",
                     "-f", "json", env=env)
    assert run.returncode == 0, run.stderr
    proposal = json.loads(run.stdout)["proposal"]
    shown = run_dbsage("proposals", "show", str(proposal), "-f", "json", env=env)
    assert shown.returncode == 0, shown.stderr
    stored = json.loads(shown.stdout)
    text = json.dumps(stored)
    assert '"kind": "migration"' in text and "lint_verdict" in text
    early = run_dbsage("proposals", "export", str(proposal), "--to", str(tmp_path / "early"), "--format", "django",
                       env=env)
    assert early.returncode != 0  # only an approved proposal is exported
    assert run_dbsage("proposals", "approve", str(proposal), "--yes", env=env).returncode == 0
    out = tmp_path / "shop" / "migrations"
    exported = run_dbsage("proposals", "export", str(proposal), "--to", str(out), "--format", "django", env=env)
    assert exported.returncode == 0, exported.stderr
    files = sorted(out.glob("0001_*.py"))
    assert files and "atomic = False" in files[0].read_text() and "VALIDATE CONSTRAINT" in files[0].read_text()
