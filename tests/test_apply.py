"""`dbsage proposals apply` on real PostgreSQL (the throwaway cluster): the success path, a lock held by another
session (time out, retry with backoff, stop, clear record), a failing second step (a precise record and the down
for what ran), an invalid index left by a failed CONCURRENTLY build, unapproved / already applied / unconfirmed
refusals, a stale proposal (the live lint now finds more) refused unless --force, the write login from dbsage.toml,
and Ctrl-C in the middle leaving a true record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from cli import DBSAGE, run_dbsage
from dbsage.agent.proposals.model import ProposalDraft
from dbsage.agent.proposals.store import ProposalStore

MakeDb = Callable[..., str]
SETUP = """
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint, amount integer NOT NULL DEFAULT 0, code text);
INSERT INTO orders (customer_id, amount, code) SELECT g % 50, g, 'c' || (g % 10) FROM generate_series(1, 500) g;
ANALYZE orders;
"""


@pytest.fixture
def target(make_pg_db: MakeDb) -> str:
    return make_pg_db(SETUP, extensions=())


def file(up: str, down: str = "-- nothing\n", approve: bool = True, lint_verdict: str | None = None) -> int:
    store = ProposalStore()
    proposal = store.create(ProposalDraft(title="test change", engine="postgres", target="test", up_sql=up,
                                          down_sql=down, kind="migration", lint_verdict=lint_verdict), by="alice")
    if approve:
        store.approve(proposal.id, by="alice", via="--yes")
    return proposal.id


def apply(proposal: int, target: str, *extra: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return run_dbsage("proposals", "apply", str(proposal), "--write-db", target, "--db", target, "--yes",
                      "--format", "json", *extra, timeout=timeout)


def record(proposal: int) -> dict[str, Any]:
    shown = run_dbsage("proposals", "show", str(proposal), "--format", "json")
    return json.loads(shown.stdout)["proposal"]  # type: ignore[no-any-return]


def one(dsn: str, sql: str) -> Any:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(sql).fetchone()  # type: ignore[arg-type]
        return row[0] if row else None


UP = """CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);
BEGIN;
ALTER TABLE orders ADD COLUMN shipped boolean;
ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount >= 0) NOT VALID;
COMMIT;
ALTER TABLE orders VALIDATE CONSTRAINT orders_amount_positive;"""


def test_success_path_then_already_applied(target: str) -> None:
    proposal = file(UP, "ALTER TABLE orders DROP COLUMN shipped;")
    done = apply(proposal, target)
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads(done.stdout)
    steps = document["apply"]["steps"]
    assert [(s["index"], s["group"], s["transactional"], s["status"]) for s in steps] == [
        (1, 1, False, "ran"), (2, 2, True, "ran"), (3, 2, True, "ran"), (4, 3, True, "ran")]
    assert document["apply"]["status"] == "applied" and document["summary"] == "applied: 4 of 4 steps ran"
    assert one(target, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_customer_idx'::regclass")
    assert one(target, "SELECT convalidated FROM pg_constraint WHERE conname = 'orders_amount_positive'")
    shown = record(proposal)
    assert shown["status"] == "applied" and shown["apply_outcome"]["by"] == document["apply"]["by"] != "alice"
    actions = [entry["action"] for entry in shown["audit"]]
    assert actions[-2:] == ["apply started", "applied"]
    assert "applied: 4 of 4 steps ran" in run_dbsage("proposals", "show", str(proposal)).stdout
    again = apply(proposal, target)
    assert again.returncode == 1 and "already applied" in json.loads(again.stdout)["error"]


def test_unapproved_and_unconfirmed_are_refused(target: str) -> None:
    pending = file("ALTER TABLE orders ADD COLUMN x int;", approve=False)
    done = apply(pending, target)
    assert done.returncode == 1 and "only an approved proposal is applied" in json.loads(done.stdout)["error"]
    approved = file("ALTER TABLE orders ADD COLUMN y int;")
    no_tty = run_dbsage("proposals", "apply", str(approved), "--write-db", target, "--db", target)
    assert no_tty.returncode == 2 and "no terminal to confirm on" in no_tty.stderr
    assert one(target, "SELECT count(*) FROM information_schema.columns WHERE column_name IN ('x', 'y')") == 0
    assert record(approved)["apply_outcome"] is None


def test_a_lock_held_elsewhere_times_out_retries_and_stops(target: str) -> None:
    proposal = file("ALTER TABLE orders ADD COLUMN z int;", "ALTER TABLE orders DROP COLUMN z;")
    with psycopg.connect(target) as holder:
        holder.execute("LOCK TABLE orders IN ACCESS SHARE MODE")  # a long read: blocks ACCESS EXCLUSIVE
        began = time.monotonic()
        done = apply(proposal, target, "--lock-timeout", "200ms", "--retries", "2", "--backoff", "0.3")
        elapsed = time.monotonic() - began
        holder.rollback()
    assert done.returncode == 1, done.stdout
    step = json.loads(done.stdout)["apply"]["steps"][0]
    assert step["status"] == "failed" and step["attempts"] == 3
    assert "lock timeout" in step["error"] and "attempt 3" not in step["error"]
    assert elapsed >= 0.3 + 0.6 + 3 * 0.2  # two waits (0.3 s, then doubled) and three timeouts
    shown = record(proposal)
    assert shown["status"] == "approved" and shown["audit"][-1]["action"] == "apply failed"
    assert "failed at step 1" in shown["audit"][-1]["note"]
    # Nothing ran, so it may be applied again once the lock is gone.
    assert apply(proposal, target).returncode == 0
    assert one(target, "SELECT count(*) FROM information_schema.columns WHERE column_name = 'z'") == 1


def test_a_failing_second_step_leaves_a_precise_record(target: str) -> None:
    up = """ALTER TABLE orders ADD COLUMN note text;
ALTER TABLE orders ADD COLUMN supplier_id bigint REFERENCES suppliers (id);
CREATE INDEX orders_note_idx ON orders (note);"""
    proposal = file(up)
    done = apply(proposal, target)
    assert done.returncode == 1
    applied = json.loads(done.stdout)["apply"]
    assert [s["status"] for s in applied["steps"]] == ["ran", "failed", "not run"]
    assert 'relation "suppliers" does not exist' in applied["steps"][1]["error"]
    assert applied["down_for_ran"] == ["ALTER TABLE orders DROP COLUMN IF EXISTS note"]
    assert one(target, "SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns "
                       "WHERE table_name = 'orders' AND column_name IN ('note', 'supplier_id')") == "note"
    # A partly applied proposal is not applied again on top of itself.
    again = apply(proposal, target)
    assert again.returncode == 1 and "was partly applied" in json.loads(again.stdout)["error"]
    # Inside one transaction, the statement before the failure is rolled back with it.
    grouped = file("BEGIN;\nALTER TABLE orders ADD COLUMN a int;\nALTER TABLE orders ADD COLUMN a int;\nCOMMIT;")
    steps = json.loads(apply(grouped, target).stdout)["apply"]["steps"]
    assert [s["status"] for s in steps] == ["rolled back", "failed"]
    assert one(target, "SELECT count(*) FROM information_schema.columns WHERE column_name = 'a'") == 0


def test_a_failed_concurrent_index_is_reported_with_its_drop(target: str) -> None:
    proposal = file("CREATE UNIQUE INDEX CONCURRENTLY orders_code_key ON orders (code);")
    done = apply(proposal, target)
    assert done.returncode == 1
    applied = json.loads(done.stdout)["apply"]
    assert applied["steps"][0]["status"] == "failed" and "could not create unique index" in applied["steps"][0][
        "error"]
    assert applied["invalid_indexes"] == [{"name": "orders_code_key",
                                           "drop": "DROP INDEX CONCURRENTLY IF EXISTS orders_code_key;"}]
    assert one(target, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_code_key'::regclass") is False
    table = run_dbsage("proposals", "show", str(proposal)).stdout
    assert "invalid index orders_code_key: drop it with DROP INDEX CONCURRENTLY IF EXISTS orders_code_key;" in table


def test_a_stale_proposal_is_refused_unless_forced(target: str) -> None:
    from dbsage.tools.migrations.lint import lint_sql
    from dbsage.tools.migrations.lint.live import fetch_context
    from dbsage.tools.targets import resolve

    up = "ALTER TABLE orders ALTER COLUMN code TYPE varchar(20);"
    filed = lint_sql(up, "postgres", context=fetch_context(resolve(target)))  # 500 rows: a brief rewrite
    assert {f.severity for f in filed.findings} == {"info"}
    verdict = json.dumps({"clean": True, "findings": [{"script": "up", "rule": f.rule, "severity": f.severity}
                                                      for f in filed.findings]})
    proposal = file(up, lint_verdict=verdict)
    with psycopg.connect(target) as conn:  # the table grew after it was approved
        conn.execute("INSERT INTO orders (customer_id, amount, code) SELECT g % 50, g, 'c' FROM "
                     "generate_series(1, 30000) g")
        conn.commit()
        conn.execute("ANALYZE orders")
        conn.commit()
    stale = apply(proposal, target)
    assert stale.returncode == 1
    error = json.loads(stale.stdout)["error"]
    assert "is stale" in error and "warning column-type-rewrite" in error
    assert record(proposal)["apply_outcome"] is None
    forced = apply(proposal, target, "--force")
    assert forced.returncode == 0, forced.stdout
    applied = json.loads(forced.stdout)["apply"]
    assert applied["forced"] is True and any("column-type-rewrite" in line for line in applied["relint"])


def test_write_login_from_dbsage_toml(target: str, tmp_path: Path) -> None:
    (tmp_path / "dbsage.toml").write_text(f'[connections.prod]\ndsn = "{target}"\nwrite_dsn = "{target}"\n'
                                          f'[connections.readonly]\ndsn = "{target}"\n')
    proposal = file("ALTER TABLE orders ADD COLUMN w int;")
    env = {**os.environ, "COLUMNS": "200"}

    def run(name: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([DBSAGE, "proposals", "apply", str(proposal), "--write-db", name, "--yes"],
                              capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env)

    refused = run("readonly")
    assert refused.returncode == 1 and "has no write_dsn" in refused.stderr
    done = run("prod")
    assert done.returncode == 0, done.stderr
    assert "live lint: no new findings (live)" in done.stdout and "applied: 1 of 1 steps ran" in done.stdout


@pytest.fixture
def running() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()


def test_ctrl_c_mid_apply_leaves_the_record_true(target: str, running: list[subprocess.Popen[str]]) -> None:
    up = "ALTER TABLE orders ADD COLUMN first int;\nSELECT pg_sleep(30);\nALTER TABLE orders ADD COLUMN third int;"
    proposal = file(up)
    proc = subprocess.Popen([DBSAGE, "proposals", "apply", str(proposal), "--write-db", target, "--db", target,
                             "--yes"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    running.append(proc)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        outcome = record(proposal)["apply_outcome"]
        if outcome and outcome["steps"][1]["status"] == "running":
            break
        time.sleep(0.2)
    else:
        pytest.fail("step 2 never started")
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    shown = record(proposal)
    outcome = shown["apply_outcome"]
    assert outcome["status"] == "interrupted" and outcome["finished_at"]
    assert [s["status"] for s in outcome["steps"]] == ["ran", "rolled back", "not run"]
    assert "interrupted (Ctrl-C)" in outcome["steps"][1]["error"]
    assert outcome["down_for_ran"] == ["ALTER TABLE orders DROP COLUMN IF EXISTS first"]
    assert shown["status"] == "approved" and shown["audit"][-1]["action"] == "apply failed"
    assert one(target, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%'") == 0
    assert one(target, "SELECT count(*) FROM information_schema.columns WHERE column_name IN ('first', 'third')") == 1


def test_only_the_cli_command_reaches_apply() -> None:
    """DESIGN §1 rule 2: the only write path is `proposals apply`, started by a person. No agent tool, MCP server,
    Slack handler or chat module imports the apply code or the write session (directly)."""
    import ast

    root = Path(__file__).resolve().parent.parent
    apply_modules = {"dbsage.agent.proposals.apply", "dbsage.tools.migrations.apply",
                     "dbsage.tools.migrations.apply.runner", "dbsage.tools.engines.postgres.writer",
                     "dbsage.agent.cli.commands.apply"}
    importers: dict[str, set[str]] = {}
    for path in (root / "agent").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                if name in apply_modules:
                    importers.setdefault(name, set()).add(path.relative_to(root).as_posix())
    # The chain: app.py registers the command; the command uses agent/proposals/apply.py (and its renderer, for
    # types), which alone runs tools/migrations/apply.
    assert importers == {"dbsage.agent.cli.commands.apply": {"agent/cli/app.py"},
                         "dbsage.agent.proposals.apply": {"agent/cli/commands/apply.py", "agent/cli/render/apply.py"},
                         "dbsage.tools.migrations.apply": {"agent/cli/commands/apply.py", "agent/proposals/apply.py"}}
    writers = {path.relative_to(root).as_posix() for path in (root / "tools").rglob("*.py")
               if "engines.postgres.writer" in path.read_text(encoding="utf-8")}
    assert writers == {"tools/migrations/apply/runner.py"}


def test_a_migration_draft_applies_in_its_own_transaction_groups(make_pg_db: MakeDb) -> None:
    """`migrate draft --propose` → approve → apply: the draft's steps run with their own boundaries (the index
    CONCURRENTLY alone, NOT VALID and VALIDATE in separate transactions) and the constraint ends validated."""
    from test_draft_apply import PG_SETUP

    target = make_pg_db(PG_SETUP)
    filed = run_dbsage("migrate", "draft", "add-foreign-key", "--table", "orders", "--column", "customer_id",
                       "--references", "customers(id)", "--db", target, "--propose", "--format", "json")
    assert filed.returncode == 0, filed.stderr
    draft = json.loads(filed.stdout)["draft"]
    proposal = json.loads(filed.stdout)["proposal"]
    ProposalStore().approve(proposal, by="alice", via="--yes")
    done = apply(proposal, target)
    assert done.returncode == 0, done.stdout + done.stderr
    steps = json.loads(done.stdout)["apply"]["steps"]
    assert [s["sql"] for s in steps] == [step["sql"] for step in draft["up"]]
    assert all(s["status"] == "ran" for s in steps)
    concurrent = [s for s in steps if "CONCURRENTLY" in s["sql"]]
    assert concurrent and all(not s["transactional"] for s in concurrent)
    groups = {s["group"] for s in steps if "VALIDATE CONSTRAINT" in s["sql"]} & \
        {s["group"] for s in steps if "NOT VALID" in s["sql"]}
    assert groups == set()  # never in one transaction with its NOT VALID
    assert one(target, "SELECT convalidated FROM pg_constraint WHERE contype = 'f' AND "
                       "conrelid = 'orders'::regclass") is True


def test_ctrl_c_during_a_concurrent_build_reports_the_invalid_index(target: str,
                                                                    running: list[subprocess.Popen[str]]) -> None:
    proposal = file("CREATE INDEX CONCURRENTLY orders_amount_idx ON orders (amount);")
    with psycopg.connect(target) as holder:
        holder.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        holder.execute("SELECT count(*) FROM orders")  # an old snapshot: the build waits for it, index half made
        proc = subprocess.Popen([DBSAGE, "proposals", "apply", str(proposal), "--write-db", target, "--db", target,
                                 "--yes", "--lock-timeout", "60s"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        running.append(proc)
        deadline = time.monotonic() + 30
        while one(target, "SELECT count(*) FROM pg_class WHERE relname = 'orders_amount_idx'") == 0:
            assert time.monotonic() < deadline, "the build never started"
            time.sleep(0.2)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        holder.rollback()
    assert proc.returncode == 130, err
    outcome = record(proposal)["apply_outcome"]
    assert outcome["status"] == "interrupted" and outcome["steps"][0]["status"] == "interrupted"
    assert outcome["invalid_indexes"] == [{"name": "orders_amount_idx",
                                           "drop": "DROP INDEX CONCURRENTLY IF EXISTS orders_amount_idx;"}]
    assert one(target, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_amount_idx'::regclass") is False
