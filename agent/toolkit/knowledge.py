"""Knowledge tools: search_knowledge (best-practice passages with the document ids to cite as [kb:id]).
To add a tool here, write its input model, run and summary, and add one ToolSpec line to SPECS.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from dbsage.agent.toolkit.context import ToolContext
from dbsage.agent.toolkit.spec import ToolSpec
from dbsage.knowledge import KbSearchResult


class SearchKnowledgeInput(BaseModel):
    query: str = Field(description="the question or practice to look up, in plain words", min_length=1)
    engine: str | None = Field(default=None, description="only documents for this engine (and general ones); "
                                                         "default: the connected database's engine")
    limit: int = Field(default=5, ge=1, le=10)


def _search(ctx: ToolContext, params: SearchKnowledgeInput) -> KbSearchResult:
    from dbsage.knowledge import knowledge_base

    engine = params.engine or _target_engine(ctx)
    result: KbSearchResult = knowledge_base().search(params.query, limit=params.limit, engine=engine)
    return result


def _target_engine(ctx: ToolContext) -> str | None:
    """The engine of the connected target, when there is one (the knowledge base itself needs no database)."""
    target = getattr(ctx, "target", None)
    return getattr(target, "engine", None) if target is not None else None


def _summarize(result: KbSearchResult) -> str:
    if not result.results:
        return "no passage in the knowledge base matches; answer from the tools' evidence and say so"
    lines = [f"{len(result.results)} passage(s); cite each practice you use as [kb:ID]:"]
    for hit in result.results:
        text = " ".join(hit.text.split())
        lines.append(f"[kb:{hit.id}] {hit.title} — {hit.section}\n   {text[:700]}{'…' if len(text) > 700 else ''}")
    return "\n".join(lines)


SPECS = [
    ToolSpec("search_knowledge", SearchKnowledgeInput, KbSearchResult, _search, _summarize),
]
