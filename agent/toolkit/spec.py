"""What a tool for the agent is: a name, a description read from `prompts/tools/<name>.txt`, a pydantic input model
(its JSON schema is what models and MCP clients see), the typed result model, `run` and `summarize`.

Tool modules (schema.py, query.py, …) import this module and context.py only; the registry imports them. So the
imports run one way: spec ← tool modules ← registry, and nothing circles back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from pydantic import BaseModel

from dbsage.agent.toolkit.context import ToolContext
from dbsage.tools.engines.registry import Feature, require


@cache
def tool_description(name: str) -> str:
    """The description a model or MCP client reads, versioned as text in prompts/tools/."""
    return files("dbsage.prompts").joinpath("tools", f"{name}.txt").read_text(encoding="utf-8").strip()


def engine_for(ctx: ToolContext, *needs: Feature) -> Any:
    """`ctx`'s engine, once the registry says it offers `needs`; CapabilityMissing (before connecting) otherwise.
    Tools ask for what they need this way and never name an engine."""
    require(ctx.target, needs)
    return ctx.engine


@dataclass(frozen=True)
class ToolSpec:
    """One tool. `run` takes the validated input model; `summarize` states the result's key numbers in a few lines.
    `proposals_of`, set only on a tool that can file proposals, lists the ones a result filed."""

    name: str
    input: type[BaseModel]
    output: type[BaseModel]
    run: Callable[[ToolContext, Any], BaseModel]
    summarize: Callable[[Any], str]
    proposals_of: Callable[[Any], list[dict[str, Any]]] | None = None

    @property
    def description(self) -> str:
        return tool_description(self.name)

    @property
    def files_proposals(self) -> bool:
        """It writes to dbsage's approval queue (never to the database): front ends must not call it read-only."""
        return self.proposals_of is not None
