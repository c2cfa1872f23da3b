"""Done when: `dbsage ask` answers the demo's "why is this query slow" with the evidence and a filed index
proposal — through the plain router, and through a model (the real ChatOpenAI client against the local stub)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dbsage.agent.cli.app import app
from dbsage.agent.proposals import ProposalStore
from dbsage.tools.demo.workload import query
from fakes_llm import Reply, openai_stub

SLOW = query("stale_pending_orders").sql
QUESTION = f"why is this query slow: {SLOW}"
KEY = "sk-demo-0123456789abcdef"


@pytest.fixture
def state(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("DBSAGE_STATE_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _check_evidence_and_proposal(document: dict, state: Path) -> None:
    _check_evidence(document)
    [ref] = document["proposals"]
    stored = ProposalStore(state / "proposals.sqlite3").get(int(ref["id"]))
    assert stored.status == "pending" and "(status, created_at)" in stored.up_sql
    assert stored.down_sql.startswith("DROP INDEX")


def _check_evidence(document: dict) -> None:
    calls = {c["tool"]: c for c in document["tool_calls"]}
    explain = calls["explain_query"]
    assert explain["ok"] and "Seq Scan on orders" in explain["summary"]
    assert any("status, created_at" in (i.get("fix") or "") for i in explain["result"]["insights"])
    advice = calls["advise_indexes"]["result"]["report"]
    assert advice["verified"] and advice["cost_after"] < advice["cost_before"] / 10
    assert any("(status, created_at)" in r["create_sql"] for r in advice["recommendations"])


def test_router_answers_the_demo_slow_query(pg_demo_dsn: str, state: Path) -> None:
    run = CliRunner().invoke(app, ["ask", QUESTION, "--db", pg_demo_dsn, "--format", "json"])
    assert run.exit_code == 0, run.output
    document = json.loads(run.stdout)
    assert document["mode"] == "router" and "no model configured" in document["answer"]
    assert [c["tool"] for c in document["tool_calls"]] == ["explain_query", "advise_indexes"]
    _check_evidence(document)
    assert document["proposals"] == [] and "Filed proposal" not in document["answer"]  # asked why, not to file
    asked = CliRunner().invoke(app, ["ask", f"propose an index for {SLOW}", "--db", pg_demo_dsn, "--format", "json"])
    document = json.loads(asked.stdout)
    _check_evidence_and_proposal(document, state)
    assert f"Filed proposal {document['proposals'][0]['id']} (pending)" in document["answer"]


def _tool_result(body: dict, tool_name: str) -> str:
    """The content of the tool message answering the assistant's call to `tool_name`."""
    ids = {c["id"] for m in body["messages"] if m["role"] == "assistant" for c in m.get("tool_calls") or []
           if c["function"]["name"] == tool_name}
    return next(m["content"] for m in body["messages"] if m["role"] == "tool" and m["tool_call_id"] in ids)


def _file_the_recommendation(body: dict) -> Reply:
    """What a model does next: file the advisor's index as a proposal, with the numbers as rationale."""
    advice = _tool_result(body, "advise_indexes")
    create = re.search(r"recommend: (CREATE INDEX .+?;)", advice)
    costs = re.search(r"planner cost ([\d,.]+) → ([\d,.]+)", advice)
    assert create and costs, advice
    name = re.search(r"EXISTS (\S+) ON", create[1])
    assert name
    return Reply(tool_calls=[("file_proposal", {
        "title": f"create index {name[1]}", "up_sql": create[1],
        "down_sql": f"DROP INDEX CONCURRENTLY IF EXISTS public.{name[1]};",
        "rationale": f"stale_pending_orders scans orders sequentially; planner cost {costs[1]} → {costs[2]}",
        "estimated_benefit": f"planner cost {costs[1]} → {costs[2]}"})])


def _final(body: dict) -> Reply:
    plan = _tool_result(body, "explain_query")
    filed = re.search(r"filed proposal (\d+)", _tool_result(body, "file_proposal"))
    seq = "a sequential scan of orders" if "Seq Scan on orders" in plan else "an unknown plan"
    return Reply(content=f"The query is slow because of {seq}. I filed proposal {filed[1] if filed else '?'}.")


def test_model_answers_the_demo_slow_query_through_the_stub(pg_demo_dsn: str, state: Path) -> None:
    script = [Reply(tool_calls=[("explain_query", {"sql": SLOW})]),
              Reply(tool_calls=[("advise_indexes", {"statements": [SLOW]})]),
              _file_the_recommendation, _final]
    with openai_stub(script, api_key=KEY) as stub:
        env = {**os.environ, "DBSAGE_MODEL": "stub-model", "OPENAI_BASE_URL": stub.base_url, "OPENAI_API_KEY": KEY,
               "DBSAGE_STATE_DIR": str(state)}
        dbsage = Path(sys.executable).with_name("dbsage")
        run = subprocess.run([str(dbsage), "ask", QUESTION, "--db", pg_demo_dsn, "--format", "json"], env=env,
                             capture_output=True, text=True, timeout=120, cwd=state)
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    assert document["mode"] == "model" and document["model"].startswith("stub-model at http://127.0.0.1:")
    assert [c["tool"] for c in document["tool_calls"]] == ["explain_query", "advise_indexes", "file_proposal"]
    _check_evidence_and_proposal(document, state)
    proposal_id = document["proposals"][0]["id"]
    assert document["answer"] == (f"The query is slow because of a sequential scan of orders. "
                                  f"I filed proposal {proposal_id}.")
    assert KEY not in run.stdout + run.stderr + Path(document["transcript"]).read_text()


def test_router_what_is_slow_on_the_demo(pg_demo_dsn: str, state: Path) -> None:
    run = CliRunner().invoke(app, ["ask", "what is slow?", "--db", pg_demo_dsn, "--format", "json"])
    assert run.exit_code == 0, run.output
    [call] = json.loads(run.stdout)["tool_calls"]
    assert call["tool"] == "top_statements" and call["ok"]
    queries = [" ".join(s["query"].split()) for s in call["result"]["statements"]]
    assert any("FROM orders WHERE status = $1 AND created_at <" in q for q in queries)
    assert "heaviest statements by total" in call["summary"] and "% of time" in call["summary"]


def test_router_check_health_on_the_demo(pg_demo_dsn: str, state: Path) -> None:
    run = CliRunner().invoke(app, ["ask", "check health", "--db", pg_demo_dsn, "--format", "json"])
    assert run.exit_code == 0, run.output
    [call] = json.loads(run.stdout)["tool_calls"]
    assert call["tool"] == "checkup" and call["ok"]
    found = {(f["id"], f["object"]) for f in call["result"]["findings"]}
    assert ("schema.missing_primary_key", "public.post_tags") in found
    assert "] schema.missing_primary_key on public.post_tags: " in call["summary"]
