"""The answer to one question, the same shape whether a model or the plain router produced it.

This is the stable JSON of `dbsage ask --format json` and of the MCP `ask` tool: other agents parse it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from dbsage.agent.toolkit.registry import ToolOutcome

if TYPE_CHECKING:
    from dbsage.agent.transcripts import Transcript

NO_MODEL_NOTE = ("answered by the plain router (no model configured): set DBSAGE_MODEL and OPENAI_API_KEY, or "
                 "OPENAI_BASE_URL for a local server, to make this conversational — see docs/agent.md")


class ProposalRef(BaseModel):
    id: str
    title: str
    status: str = "pending"


class Answer(BaseModel):
    question: str
    mode: Literal["model", "router"]
    model: str | None = Field(default=None, description="model name and endpoint (no secrets)")
    answer: str
    tool_calls: list[ToolOutcome] = Field(default_factory=list, description="in order, with their evidence")
    proposals: list[ProposalRef] = Field(default_factory=list, description="proposals filed while answering")
    notes: list[str] = Field(default_factory=list, description="truncations, budget limits, router fallback")
    conversation_id: str | None = None
    transcript: str | None = Field(default=None, description="path of the JSONL transcript")


def proposals_from(outcomes: list[ToolOutcome]) -> list[ProposalRef]:
    """Every proposal the calls filed, once each, in order."""
    seen: dict[str, ProposalRef] = {}
    for outcome in outcomes:
        for p in outcome.proposals:
            ref = ProposalRef(id=str(p["id"]), title=str(p.get("title", "")), status=str(p.get("status", "pending")))
            seen.setdefault(ref.id, ref)
    return list(seen.values())


def answer_from(question: str, mode: Literal["model", "router"], text: str, outcomes: list[ToolOutcome], *,
                notes: list[str], transcript: Transcript | None, model: str | None = None) -> Answer:
    """The Answer for `outcomes`: the proposals they filed and the transcript's id and path are derived here."""
    return Answer(question=question, mode=mode, model=model, answer=text, tool_calls=outcomes,
                  proposals=proposals_from(outcomes), notes=notes,
                  conversation_id=transcript.conversation_id if transcript else None,
                  transcript=str(transcript.path) if transcript else None)
