"""The agent's draft_migration tool: it drafts against the live schema, files a pending proposal of kind
`migration` with the lint verdict, and never touches the database; MCP sees it as a tool that files proposals."""

from __future__ import annotations

import json
from collections.abc import Callable

from test_draft_apply import PG_SETUP, snapshot

from dbsage.agent.proposals.store import ProposalStore
from dbsage.agent.toolkit.context import ToolContext
from dbsage.agent.toolkit.registry import call, get_tool
from dbsage.tools.targets import resolve


def test_draft_migration_files_a_proposal_and_applies_nothing(make_pg_db: Callable[..., str]) -> None:
    dsn = make_pg_db(PG_SETUP)
    before = snapshot(dsn)
    ctx = ToolContext(resolve(dsn), origin="agent")
    try:
        outcome = call(ctx, "draft_migration", {"intent": "add-check", "table": "orders", "columns": ["amount"],
                                                "check": "amount >= 0"})
    finally:
        ctx.close()
    assert outcome.ok, outcome.error
    assert "filed proposal" in outcome.summary and "Nothing was run" in outcome.summary
    assert outcome.proposals and outcome.proposals[0]["status"] == "pending"
    proposal = ProposalStore().get(outcome.proposals[0]["id"])
    assert proposal.kind == "migration" and proposal.created_by == "dbsage agent"
    assert "NOT VALID" in proposal.up_sql and proposal.migration_draft
    assert proposal.lint_verdict is not None and json.loads(proposal.lint_verdict)["clean"] is True
    assert snapshot(dsn) == before  # filed, never applied


def test_draft_migration_reports_unknown_names_to_the_model(make_pg_db: Callable[..., str]) -> None:
    ctx = ToolContext(resolve(make_pg_db(PG_SETUP)), origin="mcp")
    try:
        outcome = call(ctx, "draft_migration", {"intent": "set-not-null", "table": "orders", "columns": ["cod"]})
    finally:
        ctx.close()
    assert not outcome.ok and "did you mean code" in (outcome.error or "")
    assert get_tool("draft_migration").files_proposals  # MCP must not call it read-only


def test_oversized_draft_inputs_are_refused_before_anything_runs() -> None:
    ctx = ToolContext(resolve("postgresql://nobody@127.0.0.1:9/none"))  # never reached: validation comes first
    outcome = call(ctx, "draft_migration", {"intent": "add-index", "table": "t", "columns": ["c" * 201]})
    assert not outcome.ok and (outcome.error or "").startswith("bad arguments")
    assert ProposalStore().list() == []


def test_export_refuses_a_stored_draft_that_differs_from_the_reviewed_sql(tmp_path) -> None:
    """The files a tool gets must be the SQL a person approved: a stored draft altered after review is refused."""
    import sqlite3

    import pytest

    from dbsage.agent.proposals.migration import file_migration
    from dbsage.tools.errors import DbsageError
    from dbsage.tools.migrations.draft import DraftRequest, draft_migration

    draft = draft_migration(DraftRequest(intent="add-index", table="orders", columns=["amount"]))
    proposal = file_migration(draft, None, by="tester")
    store = ProposalStore()
    tampered = draft.model_copy(update={"up": [draft.up[0].model_copy(update={"sql": "DROP TABLE orders"})]})
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE proposals SET migration_draft = ? WHERE id = ?", (tampered.model_dump_json(), proposal.id))
    store.approve(proposal.id, by="tester")
    with pytest.raises(DbsageError, match="differs from the SQL that was reviewed"):
        store.export(proposal.id, tmp_path / "out", by="tester", tool="alembic")
    assert [p.name for p in store.export(proposal.id, tmp_path / "plain", by="tester")]  # plain SQL still exports
