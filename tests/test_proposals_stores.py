"""The proposals store on both of its databases: the SQLite file (one person) and PostgreSQL (`[state] dsn` /
DBSAGE_STATE_DB: one queue for a team's CLI, chat and Slack bot). The same calls give the same answers on each;
two people approving one proposal at the same moment → exactly one approval; a SQLite queue moves into PostgreSQL
with one command. Real servers: the test suite's throwaway PostgreSQL cluster."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from dbsage.agent.proposals import InvalidTransition, ProposalDraft, ProposalStore
from dbsage.agent.proposals.model import DuplicateProposal
from dbsage.agent.proposals.outcomes import attach_rehearsal
from dbsage.tools.errors import DbsageError

DBSAGE = Path(sys.executable).parent / "dbsage"


def _draft(n: int = 1, up: str | None = None) -> ProposalDraft:
    return ProposalDraft(title=f"index orders {n}", engine="postgres", target="postgresql://app:s3cret@db/shop",
                         up_sql=up or f"CREATE INDEX CONCURRENTLY orders_{n}_idx ON orders (c{n});",
                         down_sql=f"DROP INDEX CONCURRENTLY orders_{n}_idx;", estimated_benefit="cost 42 → 8",
                         rationale="a filter without an index")


@pytest.fixture(params=["sqlite", "shared"])
def store(request: pytest.FixtureRequest, make_pg_db: Callable[..., str], tmp_path: Path) -> ProposalStore:
    if request.param == "sqlite":
        return ProposalStore(tmp_path / "proposals.sqlite3")
    return ProposalStore(dsn=make_pg_db("", extensions=()))


def test_the_same_calls_give_the_same_answers(store: ProposalStore) -> None:
    first = store.create(_draft(1), by="dbsage slack")
    second = store.create(_draft(2), by="alice")
    assert (first.id, second.id) == (1, 2) and first.status == "pending" and first.review is not None
    assert "s3cret" not in first.target and first.estimated_benefit == "cost 42 → 8"
    with pytest.raises(DuplicateProposal):
        store.create(_draft(1, up="create index concurrently ORDERS_1_IDX on orders (c1)"), by="dbsage chat")
    assert store.file_once(_draft(1), by="x")[1] is False

    approved = store.approve(first.id, by="slack:U0ALICE001 (alice)", via="slack")
    assert approved.status == "approved"
    assert [(e.action, e.who, e.via) for e in approved.audit] == [
        ("created", "dbsage slack", None), ("approved", "slack:U0ALICE001 (alice)", "slack")]
    store.reject(second.id, by="bob", reason="not now")
    assert [p.id for p in store.list("approved")] == [1] and [p.id for p in store.list("rejected")] == [2]
    assert [p.id for p in store.list(target="DB/SHOP")] == [1, 2] and store.list(kind="migration") == []
    with pytest.raises(InvalidTransition, match="is already approved"):
        store.approve(first.id, by="carol")
    with pytest.raises(InvalidTransition, match="may file proposals"):
        store.approve(second.id, by="dbsage mcp")

    # h14's outcomes write through the same connection (a stand-in JSON: the column and the audit are what is checked)
    attach_rehearsal(store, first.id, json.dumps({"ok": True}), "up/down/up ok", by="alice")
    with store.connect() as db:
        row = db.execute("SELECT rehearsal FROM proposals WHERE id = ?", (first.id,)).fetchone()
        last = db.execute("SELECT action, note FROM audit WHERE proposal_id = ? ORDER BY rowid DESC",
                          (first.id,)).fetchone()
    assert row["rehearsal"] == '{"ok": true}' and (last["action"], last["note"]) == ("rehearsed", "up/down/up ok")


def test_export_reads_the_same_from_both(store: ProposalStore, tmp_path: Path) -> None:
    filed = store.create(_draft(3), by="alice")
    store.approve(filed.id, by="alice")
    written = store.export(filed.id, tmp_path / "out", by="alice")
    assert [p.name.rsplit(".", 2)[-2] for p in written] == ["up", "down"]
    assert "CREATE INDEX CONCURRENTLY orders_3_idx" in written[0].read_text()
    assert store.get(filed.id).audit[-1].action == "exported"


def test_two_approvals_at_the_same_moment_one_wins(store: ProposalStore) -> None:
    filed = store.create(_draft(4), by="dbsage slack")
    ready = threading.Barrier(6, timeout=20)
    results: list[str] = []

    def approve(who: str) -> None:
        mine = ProposalStore(store.path) if store.dsn is None else ProposalStore(dsn=store.dsn)  # own connection
        ready.wait()
        try:
            mine.approve(filed.id, by=who, via="slack")
            results.append(f"won:{who}")
        except InvalidTransition as refused:
            results.append(f"told:{refused.message}")

    threads = [threading.Thread(target=approve, args=(f"person{n}",)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    winners = [r for r in results if r.startswith("won:")]
    assert len(results) == 6 and len(winners) == 1, results
    assert all("approved" in r for r in results if r.startswith("told:"))  # the others are told what happened
    audit = [e for e in store.get(filed.id).audit if e.action == "approved"]
    assert len(audit) == 1 and f"won:{audit[0].who}" == winners[0]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DBSAGE_STATE_DB",)}
    return env | {"DBSAGE_STATE_DIR": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config")} | extra


def test_a_sqlite_queue_moves_into_postgresql_with_one_command(tmp_path: Path, make_pg_db: Callable[..., str]) -> None:
    local = ProposalStore(tmp_path / "state" / "proposals.sqlite3")
    one = local.create(_draft(5), by="alice")
    local.approve(one.id, by="alice", via="--yes")
    local.create(_draft(6), by="dbsage chat")
    shared_dsn = make_pg_db("", extensions=())

    moved = subprocess.run([str(DBSAGE), "proposals", "move-store", "--to", shared_dsn], capture_output=True,
                           text=True, env=_env(tmp_path), cwd=tmp_path, timeout=120)
    assert moved.returncode == 0, moved.stderr
    assert "2 proposal(s)" in moved.stdout and "s3cret" not in moved.stdout

    shared = ProposalStore(dsn=shared_dsn)
    assert [(p.id, p.status, p.title) for p in shared.list()] == [(p.id, p.status, p.title) for p in local.list()]
    assert [(e.action, e.who, e.via) for e in shared.get(1).audit] == \
        [(e.action, e.who, e.via) for e in local.get(1).audit]
    assert shared.create(_draft(7), by="bob").id == 3  # the ids go on from the moved ones

    again = subprocess.run([str(DBSAGE), "proposals", "move-store", "--to", shared_dsn], capture_output=True,
                           text=True, env=_env(tmp_path), cwd=tmp_path, timeout=120)
    assert again.returncode == 1 and "already holds 3 proposal(s)" in again.stderr

    listed = subprocess.run([str(DBSAGE), "proposals", "list", "--format", "json"], capture_output=True, text=True,
                            env=_env(tmp_path, DBSAGE_STATE_DB=shared_dsn), cwd=tmp_path, timeout=120)
    document = json.loads(listed.stdout)
    assert listed.returncode == 0 and [p["id"] for p in document["proposals"]] == [1, 2, 3]
    assert document["store"].startswith("postgresql://")


def test_a_shared_store_that_cannot_be_reached_says_where_to_look(tmp_path: Path) -> None:
    (tmp_path / "dbsage.toml").write_text('[state]\ndsn = "postgresql://nobody:pw@127.0.0.1:1/none"\n')
    listed = subprocess.run([str(DBSAGE), "proposals", "list"], capture_output=True, text=True, env=_env(tmp_path),
                            cwd=tmp_path, timeout=120)
    assert listed.returncode == 1 and "cannot open the proposals store" in listed.stderr
    assert "[state] dsn" in listed.stderr and ":pw@" not in listed.stderr


def test_the_shared_store_is_plain_tables_a_team_can_read(make_pg_db: Callable[..., str]) -> None:
    dsn = make_pg_db("", extensions=())
    store = ProposalStore(dsn=dsn)
    store.create(_draft(8), by="alice")
    ProposalStore(dsn=dsn)  # opening it again migrates nothing twice
    with psycopg.connect(dsn) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
        assert versions == list(range(1, len(versions) + 1)) and len(versions) >= 4
        assert conn.execute("SELECT title, status FROM proposals").fetchall() == [("index orders 8", "pending")]


def test_a_role_that_may_only_file_cannot_approve_in_the_shared_store(make_pg_db: Callable[..., str]) -> None:
    """The shared store lets a team separate duties by database role: the agent's role inserts, a person's decides."""
    dsn = make_pg_db("", extensions=())
    ProposalStore(dsn=dsn)  # made (and migrated) by the owner
    role = f"filer_{dsn.rsplit('/', 1)[1]}"  # roles are cluster-wide: one per test database
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"GRANT SELECT, INSERT ON proposals, audit, schema_migrations TO {role}")
        conn.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}")
    user = urlsplit(dsn).username
    filer = ProposalStore(dsn=dsn.replace(f"{user}@", f"{role}@", 1))
    filed = filer.create(_draft(9), by="dbsage mcp")
    with pytest.raises(DbsageError, match="permission denied"):
        filer.approve(filed.id, by="mallory", via="--yes")
    assert ProposalStore(dsn=dsn).get(filed.id).status == "pending"
