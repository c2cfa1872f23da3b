"""Proposals a person really approves: every proposal reviewed when filed (destructive, irreversible, no down,
locks), no identical proposal filed twice, approval only confirmed at a terminal or with --yes (audited `via`),
withdraw without delete, list filters and the store's path, and the read-only list_proposals tool."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import DBSAGE, run_dbsage
from dbsage.agent.cli.app import app
from dbsage.agent.proposals import InvalidTransition, ProposalDraft, ProposalStore
from dbsage.agent.proposals.model import DuplicateProposal
from dbsage.agent.proposals.review import review_sql
from dbsage.agent.router import route
from dbsage.agent.toolkit.context import ToolContext
from dbsage.agent.toolkit.registry import call, get_tool
from dbsage.tools.targets import resolve

DROP_BOTH = "DROP TABLE orders CASCADE; DROP TABLE users CASCADE"
INDEX = ProposalDraft(title="create index orders_customer_idx", engine="postgres", target="postgresql://h/shop",
                      up_sql="CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);",
                      down_sql="DROP INDEX CONCURRENTLY orders_customer_idx;", rationale="lookups by customer")
DROP = INDEX.model_copy(update={"title": "drop the old tables", "up_sql": DROP_BOTH, "down_sql": "-- none",
                                "kind": "change"})

# (engine, up, down) → the flags the review must give (exactly).
REVIEW_CASES = [
    ("postgres", DROP_BOTH, "-- none", ["DESTRUCTIVE", "IRREVERSIBLE", "NO DOWN", "LOCKS"]),
    ("postgres", INDEX.up_sql, INDEX.down_sql, []),
    ("postgres", "CREATE INDEX orders_x ON orders (x)", "DROP INDEX orders_x", ["LOCKS"]),  # SHARE for the build
    ("postgres", "ALTER TABLE orders DROP COLUMN note", "ALTER TABLE orders ADD COLUMN note text",
     ["DESTRUCTIVE", "IRREVERSIBLE", "LOCKS"]),
    ("postgres", "TRUNCATE audit_log", "", ["DESTRUCTIVE", "IRREVERSIBLE", "NO DOWN", "LOCKS"]),
    ("postgres", "DELETE FROM orders WHERE created < now() - interval '5 years'", "-- cannot",
     ["DESTRUCTIVE", "IRREVERSIBLE", "NO DOWN"]),
    ("postgres", "UPDATE orders SET status = 'old'", "UPDATE orders SET status = 'new'", ["IRREVERSIBLE"]),
    ("postgres", "DROP SCHEMA archive CASCADE", "CREATE SCHEMA archive", ["DESTRUCTIVE", "IRREVERSIBLE", "LOCKS"]),
    ("postgres", "ALTER TABLE orders ALTER COLUMN id TYPE bigint", "ALTER TABLE orders ALTER COLUMN id TYPE int",
     ["LOCKS"]),
    ("postgres", "ALTER TABLE a ADD CONSTRAINT a_b_fk FOREIGN KEY (b) REFERENCES b ON DELETE CASCADE NOT VALID",
     "ALTER TABLE a DROP CONSTRAINT a_b_fk", ["LOCKS"]),  # ON DELETE CASCADE loses nothing now
    ("postgres", "this is not sql; DROP TABLE orders", "", ["DESTRUCTIVE", "IRREVERSIBLE", "NO DOWN", "NOT LINTED"]),
    ("mysql", "ALTER TABLE orders DROP COLUMN note", "ALTER TABLE orders ADD COLUMN note text",
     ["DESTRUCTIVE", "IRREVERSIBLE", "LOCKS"]),
    ("mysql", "CREATE INDEX orders_x ON orders (x)", "DROP INDEX orders_x ON orders", []),
    ("mongo", '{"drop": "orders"}', "", ["DESTRUCTIVE", "IRREVERSIBLE", "NO DOWN", "NOT LINTED"]),
]


@pytest.mark.parametrize(("engine", "up", "down", "flags"), REVIEW_CASES)
def test_every_proposal_is_classified(engine: str, up: str, down: str, flags: list[str]) -> None:
    assert review_sql(engine, up, down).flags() == flags


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProposalStore:
    monkeypatch.setenv("DBSAGE_STATE_DIR", str(tmp_path / "state"))
    return ProposalStore()


def test_the_issues_drop_is_filed_flagged_and_marked_in_list_and_card(store: ProposalStore) -> None:
    ctx = ToolContext(resolve("postgresql://nobody@127.0.0.1:9/shop"), origin="mcp")  # filing never connects
    outcome = call(ctx, "file_proposal", {"title": "drop both", "up_sql": DROP_BOTH, "down_sql": "-- none",
                                          "rationale": "asked to"})
    assert outcome.ok and "DESTRUCTIVE" in outcome.summary and "NO DOWN" in outcome.summary
    proposal = store.get(outcome.proposals[0]["id"])
    assert proposal.destructive and proposal.kind == "change" and proposal.review is not None
    assert any("ACCESS EXCLUSIVE" in lock for lock in proposal.review.locks)
    runner = CliRunner()
    listed = runner.invoke(app, ["proposals", "list"], env={"COLUMNS": "250"})
    assert "DESTRUCTIVE" in listed.stdout and str(store.path) in listed.stdout
    shown = runner.invoke(app, ["proposals", "show", str(proposal.id)], env={"COLUMNS": "250"})
    assert "DESTRUCTIVE: this change loses data" in shown.stdout and "NO DOWN" in shown.stdout
    document = json.loads(runner.invoke(app, ["proposals", "show", str(proposal.id), "-f", "json"]).stdout)
    assert document["proposal"]["review"]["destructive"] is True


def test_an_identical_proposal_is_not_filed_twice(store: ProposalStore) -> None:
    first = store.create(INDEX, by="dbsage agent")
    respelled = INDEX.model_copy(update={"up_sql": "create index concurrently  orders_customer_idx\n"
                                                   "  on orders (customer_id) -- same change", "title": "again"})
    with pytest.raises(DuplicateProposal, match=f"proposal #{first.id} \\(pending\\)") as raised:
        store.create(respelled, by="dbsage agent")
    assert raised.value.existing.id == first.id
    elsewhere = store.create(INDEX.model_copy(update={"target": "postgresql://other/shop"}))  # another target
    store.reject(first.id, "alice", "not now")
    with pytest.raises(DuplicateProposal, match="rejected"):  # a decided one is not filed again either
        store.create(INDEX)
    store.withdraw(elsewhere.id, "alice")
    refiled = store.create(INDEX.model_copy(update={"target": "postgresql://other/shop"}))  # withdrawn: may refile
    assert [p.id for p in store.list()] == [first.id, elsewhere.id, refiled.id]


def test_the_file_proposal_tool_names_the_one_that_exists(store: ProposalStore) -> None:
    ctx = ToolContext(resolve("postgresql://nobody@127.0.0.1:9/shop"), origin="agent")
    arguments = {"title": "create index", "up_sql": INDEX.up_sql, "down_sql": INDEX.down_sql, "rationale": "r"}
    assert call(ctx, "file_proposal", arguments).ok
    again = call(ctx, "file_proposal", arguments)
    assert not again.ok and "proposal #1 (pending) is the same change" in (again.error or "")
    assert len(store.list()) == 1


def test_why_slow_files_nothing_and_propose_does() -> None:
    slow = route("why is this slow: SELECT * FROM orders WHERE customer_id = 7")
    assert slow is not None and all(not args.get("propose") for _, args in slow[1])
    asked = route("propose an index for SELECT * FROM orders WHERE customer_id = 7")
    assert asked is not None and any(args.get("propose") for _, args in asked[1])


def test_approve_without_a_terminal_is_refused_unless_yes(store: ProposalStore, tmp_path: Path) -> None:
    proposal = store.create(DROP, by="dbsage mcp")
    env = {"DBSAGE_STATE_DIR": str(tmp_path / "state")}
    refused = run_dbsage("proposals", "approve", str(proposal.id), env=env)  # stdin is a pipe, as an agent's is
    assert refused.returncode == 2 and "no terminal to confirm on" in refused.stderr and "--yes" in refused.stderr
    assert store.get(proposal.id).status == "pending" and len(store.get(proposal.id).audit) == 1
    agreed = run_dbsage("proposals", "approve", str(proposal.id), "--yes", "-f", "json", env=env)
    assert agreed.returncode == 0, agreed.stderr
    last = json.loads(agreed.stdout)["proposal"]["audit"][-1]
    assert (last["action"], last["via"]) == ("approved", "--yes")


def _approve_at_a_terminal(proposal_id: int, state: Path, answer: str) -> tuple[int, str]:
    """`dbsage proposals approve ID` on a real pseudo-terminal, typing `answer` at its prompt."""
    leader, follower = pty.openpty()
    env = {**os.environ, "DBSAGE_STATE_DIR": str(state), "COLUMNS": "200", "NO_COLOR": "1"}
    process = subprocess.Popen([DBSAGE, "proposals", "approve", str(proposal_id)], stdin=follower, stdout=follower,
                               stderr=follower, env=env, close_fds=True)
    os.close(follower)
    seen, answered, deadline = b"", False, time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the child closed the terminal
                break
            seen += chunk
        if not answered and (b"[y/N]" in seen or b"to approve it:" in seen):
            os.write(leader, answer.encode() + b"\n")
            answered = True
        if process.poll() is not None and not ready:
            break
    os.close(leader)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", seen.decode(errors="replace"))  # bold survives NO_COLOR
    return process.wait(timeout=10), " ".join(plain.split())  # the terminal wraps lines


def test_a_terminal_shows_the_sql_and_verdict_and_records_how(store: ProposalStore, tmp_path: Path) -> None:
    index = store.create(INDEX)
    code, screen = _approve_at_a_terminal(index.id, tmp_path / "state", "y")
    assert code == 0 and "ON orders (customer_id);" in screen and "risk: no risk flags" in screen, screen
    assert (store.get(index.id).audit[-1].action, store.get(index.id).audit[-1].via) == ("approved", "terminal")
    drop = store.create(DROP)
    code, screen = _approve_at_a_terminal(drop.id, tmp_path / "state", "y")  # a destructive one needs its id
    assert code == 2 and "DESTRUCTIVE" in screen and store.get(drop.id).status == "pending"
    code, _ = _approve_at_a_terminal(drop.id, tmp_path / "state", str(drop.id))
    assert code == 0 and store.get(drop.id).status == "approved"


def test_withdraw_keeps_the_proposal_and_its_audit(store: ProposalStore) -> None:
    proposal = store.create(INDEX, by="dbsage agent")
    with pytest.raises(InvalidTransition, match="may file proposals"):
        store.withdraw(proposal.id, "dbsage agent")
    runner = CliRunner()
    done = runner.invoke(app, ["proposals", "withdraw", str(proposal.id), "--reason", "superseded"])
    assert done.exit_code == 0 and "withdrawn" in done.stdout
    kept = store.get(proposal.id)
    assert kept.status == "withdrawn" and [(a.action, a.note) for a in kept.audit][-1] == ("withdrawn", "superseded")
    again = runner.invoke(app, ["proposals", "approve", str(proposal.id), "--yes"])
    assert again.exit_code == 1 and "is withdrawn" in again.stderr


def test_list_filters_and_json_name_the_store(store: ProposalStore) -> None:
    index = store.create(INDEX)
    drop = store.create(DROP.model_copy(update={"target": "postgresql://reports-host/warehouse"}))
    store.reject(index.id, "alice")
    runner = CliRunner()

    def ids(*options: str) -> list[int]:
        result = runner.invoke(app, ["proposals", "list", "-f", "json", *options])
        assert result.exit_code == 0, result.stderr
        document = json.loads(result.stdout)
        assert document["store"] == str(store.path)
        return [p["id"] for p in document["proposals"]]

    assert ids() == [index.id, drop.id]
    assert ids("--target", "REPORTS-host") == [drop.id]
    assert ids("--kind", "change") == [drop.id] and ids("--kind", "index") == [index.id]
    assert ids("--status", "rejected") == [index.id] and ids("--status", "pending", "--target", "shop") == []
    assert runner.invoke(app, ["proposals", "list", "--status", "gone"]).exit_code == 2


def test_list_proposals_tool_is_read_only_and_flags_risk(store: ProposalStore) -> None:
    assert not get_tool("list_proposals").files_proposals
    store.create(INDEX.model_copy(update={"target": "postgresql://nobody@127.0.0.1:9/shop"}))
    store.create(DROP.model_copy(update={"target": "postgresql://nobody@127.0.0.1:9/shop"}))
    store.create(DROP.model_copy(update={"target": "postgresql://elsewhere/db"}))
    ctx = ToolContext(resolve("postgresql://nobody@127.0.0.1:9/shop"), origin="mcp")
    outcome = call(ctx, "list_proposals", {})
    assert outcome.ok and outcome.result is not None and outcome.result["total"] == 2
    assert outcome.result["proposals"][0]["flags"][0] == "DESTRUCTIVE"  # newest first
    assert "#2 pending change: drop the old tables [DESTRUCTIVE" in outcome.summary
    everywhere = call(ctx, "list_proposals", {"this_target_only": False, "limit": 1})
    assert everywhere.result is not None and everywhere.result["total"] == 3
    assert len(everywhere.result["proposals"]) == 1
    assert len(store.list()) == 3  # it filed nothing


def test_doctor_names_the_store(pg_admin_dsn: str, tmp_path: Path) -> None:
    done = run_dbsage("doctor", "--db", pg_admin_dsn, "-f", "json", env={"DBSAGE_STATE_DIR": str(tmp_path / "s")})
    document = json.loads(done.stdout)
    assert document["proposals_store"] == str(tmp_path / "s" / "proposals.sqlite3")
    assert document["proposals_store_from"] == "DBSAGE_STATE_DIR"
    assert not (tmp_path / "s").exists()  # naming the store does not create it


def test_the_chat_card_and_list_mark_a_destructive_proposal(store: ProposalStore) -> None:
    from dbsage.agent.tui.screens import proposal_markdown

    drop, index = store.create(DROP), store.create(INDEX)
    card = proposal_markdown(drop)
    assert "DESTRUCTIVE: this change loses data" in card and card.index("DESTRUCTIVE") < card.index("## Up")
    assert "DESTRUCTIVE" not in proposal_markdown(index) and "**risk:**" not in proposal_markdown(index)
    approved = store.approve(index.id, "alice", via="--yes")
    assert "**approved** by alice via --yes" in proposal_markdown(approved)


ADVISE_SHOP = """
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total numeric NOT NULL);
INSERT INTO orders SELECT g, g % 5000, g % 300 FROM generate_series(1, 100000) g;
ANALYZE;
"""


def test_the_same_advice_twice_files_once(make_pg_db: Callable[..., str], tmp_path: Path) -> None:
    dsn = make_pg_db(ADVISE_SHOP)
    workload = tmp_path / "workload.sql"
    workload.write_text("SELECT id, total FROM orders WHERE customer_id = 42;\n")
    env = {"DBSAGE_STATE_DIR": str(tmp_path / "state")}
    runs = [run_dbsage("advise", "--db", dsn, "--workload", str(workload), "--propose", "-f", "json", env=env)
            for _ in range(2)]
    first, second = (json.loads(run.stdout) for run in runs)
    assert first["proposals"] and first["already_filed"] == []
    assert second["proposals"] == [] and second["already_filed"] == first["proposals"]
    table = run_dbsage("advise", "--db", dsn, "--workload", str(workload), "--propose", env=env)
    assert f"not filed again: proposal #{first['proposals'][0]} (pending)" in table.stdout
    assert len(ProposalStore(tmp_path / "state" / "proposals.sqlite3").list()) == len(first["proposals"])


def test_a_proposal_filed_before_reviews_is_judged_when_read(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:  # a store at schema 2: no review column yet
        db.executescript("""
        CREATE TABLE proposals (
          id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, engine TEXT NOT NULL, target TEXT NOT NULL,
          up_sql TEXT NOT NULL, down_sql TEXT NOT NULL, estimated_benefit TEXT, size_bytes INTEGER,
          rationale TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending', created_at TEXT NOT NULL,
          created_by TEXT NOT NULL);
        CREATE TABLE audit (proposal_id INTEGER NOT NULL, at TEXT NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,
          note TEXT);
        INSERT INTO proposals VALUES (1, 'cleanup', 'postgres', 'postgresql://h/db', 'DROP TABLE orders CASCADE',
          '-- none', NULL, NULL, 'asked', 'pending', '2026-11-01T10:00:00+00:00', 'dbsage mcp');
        """)
    old = ProposalStore(path).get(1)
    assert old.destructive and old.review is not None and "filed before proposals were reviewed" in (
        old.review.note or "")


def test_a_proposal_filed_before_fingerprints_is_not_filed_again(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    store = ProposalStore(path)
    first = store.create(INDEX)
    with sqlite3.connect(path) as db:  # as a store migrated from schema 2 holds it: no fingerprint
        db.execute("UPDATE proposals SET fingerprint = NULL")
    with pytest.raises(DuplicateProposal, match=f"#{first.id}"):
        store.create(INDEX.model_copy(update={"up_sql": INDEX.up_sql.lower()}))


def test_drafting_the_same_migration_twice_files_once(make_pg_db: Callable[..., str], store: ProposalStore) -> None:
    ctx = ToolContext(resolve(make_pg_db(ADVISE_SHOP, extensions=())), origin="agent")
    arguments = {"intent": "add-index", "table": "orders", "columns": ["customer_id"]}
    try:
        first, second = call(ctx, "draft_migration", arguments), call(ctx, "draft_migration", arguments)
    finally:
        ctx.close()
    assert first.ok and second.ok, (first.error, second.error)
    assert first.proposals and second.proposals == [] and (second.result or {})["already_filed"] is True
    assert f"not filed again: proposal {first.proposals[0]['id']} (pending)" in second.summary
    assert len(store.list()) == 1
