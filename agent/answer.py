"""The answer to one question, the same shape whether a model or the plain router produced it.

This is the stable JSON of `dbsage ask --format json` and of the MCP `ask` tool: other agents parse it. Its JSON
Schema is published as docs/answer.schema.json (`python -m dbsage.agent.answer > docs/answer.schema.json`; a test
checks the file is current). `status` says how the turn ended; `tool_calls` lists every call the model attempted,
refused, failed, malformed and made-up ones included, each with its `status`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from dbsage.agent.toolkit.registry import ToolOutcome

if TYPE_CHECKING:
    from dbsage.agent.transcripts import Transcript

NO_MODEL_NOTE = ("answered by the plain router (no model configured): set DBSAGE_MODEL and OPENAI_API_KEY, or "
                 "OPENAI_BASE_URL for a local server, to make this conversational — see docs/agent.md")


AnswerStatus = Literal["answered", "stopped", "no_evidence"]


class ProposalRef(BaseModel):
    id: int = Field(description="the proposal's id, as `dbsage proposals show ID` takes it")
    title: str
    status: str = "pending"


class Answer(BaseModel):
    question: str
    mode: Literal["model", "router"]
    status: AnswerStatus = Field(default="answered", description="answered; stopped (a per-turn limit ended the "
                                 "turn before the model finished: stopped_reason says which); no_evidence (tool "
                                 "calls were made and none succeeded)")
    stopped_reason: str | None = Field(default=None, description="why the turn stopped early, when it did")
    intent: str | None = Field(default=None, description="what the question was taken to ask, when known (the "
                               "router's intent)")
    model: str | None = Field(default=None, description="model name and endpoint (no secrets)")
    answer: str
    tool_calls: list[ToolOutcome] = Field(default_factory=list, description="in order, with their evidence")
    proposals: list[ProposalRef] = Field(default_factory=list, description="proposals filed while answering")
    notes: list[str] = Field(default_factory=list, description="truncations, budget limits, router fallback")
    conversation_id: str | None = None
    transcript: str | None = Field(default=None, description="path of the JSONL transcript")


def proposals_from(outcomes: list[ToolOutcome]) -> list[ProposalRef]:
    """Every proposal the calls filed, once each, in order."""
    seen: dict[int, ProposalRef] = {}
    for outcome in outcomes:
        for p in outcome.proposals:
            ref = ProposalRef(id=int(p["id"]), title=str(p.get("title", "")), status=str(p.get("status", "pending")))
            seen.setdefault(ref.id, ref)
    return list(seen.values())


def answer_from(question: str, mode: Literal["model", "router"], text: str, outcomes: list[ToolOutcome], *,
                notes: list[str], transcript: Transcript | None, model: str | None = None,
                stopped_reason: str | None = None, intent: str | None = None) -> Answer:
    """The Answer for `outcomes`: the proposals they filed, the status and the transcript's id and path are derived
    here."""
    status: AnswerStatus = "answered"
    if stopped_reason:
        status = "stopped"
    elif outcomes and not any(o.ok for o in outcomes):
        status = "no_evidence"
    return Answer(question=question, mode=mode, status=status, stopped_reason=stopped_reason, intent=intent,
                  model=model, answer=text, tool_calls=outcomes, proposals=proposals_from(outcomes), notes=notes,
                  conversation_id=transcript.conversation_id if transcript else None,
                  transcript=str(transcript.path) if transcript else None)


def json_schema() -> dict[str, object]:
    """The published schema of the answer document (docs/answer.schema.json): `dbsage ask --format json` adds the
    CLI's envelope (`dbsage`, `command`); the MCP `ask` tool's structured content is the Answer itself (with
    `result_cut` when max_chars cut it)."""
    schema = Answer.model_json_schema()
    properties = {
        "dbsage": {"const": 1, "description": "the JSON version of `dbsage ask --format json` (absent over MCP)"},
        "command": {"const": "ask", "description": "`dbsage ask --format json` only"},
        "result_cut": {"type": "array", "items": {"type": "string"},
                       "description": "MCP only: what max_chars cut from this document"},
        **schema["properties"],
    }
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "dbsage/answer.schema.json",
            **schema, "properties": properties}


if __name__ == "__main__":
    import json

    print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
