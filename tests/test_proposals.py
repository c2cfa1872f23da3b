"""Proposals: lifecycle, audit trail, invalid transitions, export files; the store lives in DBSAGE_STATE_DIR."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dbsage.agent.cli.app import app
from dbsage.agent.proposals import InvalidTransition, ProposalDraft, ProposalStore, current_user

DRAFT = ProposalDraft(
    title="create index orders_customer_id_idx", engine="postgres",
    target="postgresql://app:s3cret@db.example.com/shop",
    up_sql="CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON public.orders (customer_id);",
    down_sql="DROP INDEX CONCURRENTLY IF EXISTS public.orders_customer_id_idx;",
    estimated_benefit="planner cost −6,946", size_bytes=3_760_128, rationale="order history by customer",
)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProposalStore:
    monkeypatch.setenv("DBSAGE_STATE_DIR", str(tmp_path / "state"))
    return ProposalStore()


def test_store_lives_in_the_state_dir_and_redacts_the_target(store: ProposalStore, tmp_path: Path) -> None:
    proposal = store.create(DRAFT, by="dbsage advise")
    assert store.path.parent == tmp_path / "state" and store.path.exists()
    assert proposal.status == "pending" and proposal.id == 1
    assert "s3cret" not in proposal.target and "***" in proposal.target
    assert "s3cret" not in store.path.read_bytes().decode("utf-8", "replace")
    assert [(a.who, a.action) for a in proposal.audit] == [("dbsage advise", "created")]


def test_approve_then_export_writes_up_and_down(store: ProposalStore, tmp_path: Path) -> None:
    proposal = store.create(DRAFT)
    approved = store.approve(proposal.id, by="alice")
    assert approved.status == "approved"
    assert (approved.audit[-1].who, approved.audit[-1].action) == ("alice", "approved")
    files = store.export(proposal.id, tmp_path / "migrations", by="alice")
    up, down = files
    assert up.name.endswith(".up.sql") and down.name.endswith(".down.sql")
    assert DRAFT.up_sql in up.read_text() and DRAFT.down_sql in down.read_text()
    assert store.get(proposal.id).audit[-1].action == "exported"


@pytest.mark.parametrize(("steps", "bad"), [
    (["reject"], "approve"),  # can't approve a rejected one
    (["approve"], "approve"),  # nor approve twice
    (["reject"], "reject"),
])
def test_invalid_transitions_are_refused(store: ProposalStore, steps: list[str], bad: str) -> None:
    proposal = store.create(DRAFT)
    for step in steps:
        getattr(store, step)(proposal.id, "bob")
    before = store.get(proposal.id)
    with pytest.raises(InvalidTransition) as raised:
        getattr(store, bad)(proposal.id, "bob")
    assert raised.value.hint
    assert store.get(proposal.id) == before  # nothing changed, nothing audited


def test_only_approved_proposals_are_exported(store: ProposalStore, tmp_path: Path) -> None:
    proposal = store.create(DRAFT)
    with pytest.raises(InvalidTransition, match="only an approved one"):
        store.export(proposal.id, tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_cli_lifecycle(store: ProposalStore, tmp_path: Path) -> None:
    first = store.create(DRAFT)
    second = store.create(DRAFT.model_copy(update={"title": "create index customers_lower_email_idx",
                                                     "up_sql": "CREATE INDEX customers_lower_email_idx ON "
                                                               "customers (lower(email));"}))
    runner = CliRunner()
    listed = json.loads(runner.invoke(app, ["proposals", "list", "--format", "json"]).stdout)
    assert [p["id"] for p in listed["proposals"]] == [first.id, second.id]
    shown = runner.invoke(app, ["proposals", "show", str(first.id)])
    assert shown.exit_code == 0 and DRAFT.up_sql in shown.stdout
    assert runner.invoke(app, ["proposals", "approve", str(first.id), "--yes"]).exit_code == 0
    rejected = runner.invoke(app, ["proposals", "reject", str(second.id), "--reason", "too big"])
    assert rejected.exit_code == 0 and "rejected" in rejected.stdout
    again = runner.invoke(app, ["proposals", "approve", str(second.id)])
    assert again.exit_code == 1 and "cannot become approved" in again.stderr
    assert "a rejected proposal is final: file a new one" in again.stderr
    twice = runner.invoke(app, ["proposals", "approve", str(first.id)])
    assert twice.exit_code == 1 and f"proposal #{first.id} is already approved" in twice.stderr
    assert f"dbsage proposals export {first.id}" in twice.stderr
    not_exported = runner.invoke(app, ["proposals", "export", str(second.id), "--to", str(tmp_path / "x")])
    assert not_exported.exit_code == 1 and "only an approved one is exported" in not_exported.stderr
    assert "approve" not in not_exported.stderr.split("→", 1)[1]  # no dead-end advice for a final proposal
    audit = store.get(second.id).audit[-1]
    assert (audit.who, audit.action, audit.note) == (current_user(), "rejected", "too big")
    exported = runner.invoke(app, ["proposals", "export", str(first.id), "--to", str(tmp_path / "mig")])
    assert exported.exit_code == 0 and len(list((tmp_path / "mig").glob("*.sql"))) == 2
    missing = runner.invoke(app, ["proposals", "show", "99"])
    assert missing.exit_code == 2 and "no proposal #99" in missing.stderr
    pending = json.loads(runner.invoke(app, ["proposals", "list", "--status", "pending", "-f", "json"]).stdout)
    assert pending["proposals"] == []


@pytest.mark.parametrize("actor", ["dbsage agent", "dbsage mcp", "dbsage router"])
def test_agent_paths_may_create_but_never_decide(store: ProposalStore, tmp_path: Path, actor: str) -> None:
    proposal = store.create(DRAFT, by=actor)
    for decide in (lambda: store.approve(proposal.id, actor), lambda: store.reject(proposal.id, actor, "no")):
        with pytest.raises(InvalidTransition, match="may file proposals"):
            decide()
    store.approve(proposal.id, "alice")
    with pytest.raises(InvalidTransition, match="may file proposals"):
        store.export(proposal.id, tmp_path / "m", by=actor)
    assert [a.action for a in store.get(proposal.id).audit] == ["created", "approved"]
