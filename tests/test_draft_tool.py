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
    outcome = call(ctx, "draft_migration", {"intent": "add-check", "table": "orders", "columns": ["amount"],
                                            "check": "amount >= 0"})
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
    outcome = call(ctx, "draft_migration", {"intent": "set-not-null", "table": "orders", "columns": ["cod"]})
    assert not outcome.ok and "did you mean code" in (outcome.error or "")
    assert get_tool("draft_migration").files_proposals  # MCP must not call it read-only
