"""The registry of agent tools: one list, three front ends (the langchain loop, the MCP server, the plain router).

A tool is a small adapter over a typed function in tools/: a name, a description read from
`prompts/tools/<name>.txt`, a pydantic input model (its JSON schema is what models and MCP clients see), the typed
result model, and a `summarize` that states the key numbers compactly. `call()` runs one tool and returns a
ToolOutcome: the summary for a model, a handle to the full result, and the full typed result as evidence.

Only read-only tools exist here, plus `file_proposal`, which only *creates* a pending proposal. Nothing approves,
rejects or applies: those are people's actions in `dbsage proposals`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from dbsage.agent.injection import instruction_like, warning_for
from dbsage.tools.errors import DbsageError, GuardRefusal
from dbsage.tools.redact import redact
from dbsage.tools.targets import Target


@cache
def tool_description(name: str) -> str:
    """The description a model or MCP client reads, versioned as text in prompts/tools/."""
    return files("dbsage.prompts").joinpath("tools", f"{name}.txt").read_text(encoding="utf-8").strip()


class ResultStore:
    """Full results of this conversation by handle ("r1", "r2", …), so a model can fetch what a summary left out.

    Bounded: an MCP server keeps one context for its whole life, so only the newest `max_results` results (and at
    most `max_bytes` of them) are kept; fetching an older handle says it expired.
    """

    def __init__(self, max_results: int = 50, max_bytes: int = 20_000_000) -> None:
        self._results: dict[str, str] = {}
        self._lock = threading.Lock()
        self._count = 0
        self._bytes = 0
        self.max_results = max_results
        self.max_bytes = max_bytes

    def put(self, document: Any) -> str:
        text = json.dumps(document, default=str, indent=1)
        with self._lock:
            self._count += 1
            handle = f"r{self._count}"
            self._results[handle] = text
            self._bytes += len(text)
            while len(self._results) > 1 and (len(self._results) > self.max_results or self._bytes > self.max_bytes):
                oldest = next(iter(self._results))
                self._bytes -= len(self._results.pop(oldest))
        return handle

    def get(self, handle: str) -> str:
        if handle not in self._results:
            known = ", ".join(self._results) or "none yet"
            expired = handle.startswith("r") and handle[1:].isdigit() and 0 < int(handle[1:]) <= self._count
            problem = "is no longer kept (only the newest results are)" if expired else "does not exist"
            raise DbsageError(f"result {handle!r} {problem}", f"known handles: {known}; or run the tool again")
        return self._results[handle]


class ToolContext:
    """What a tool call runs against: one target, its engine (opened on first use) and the result store.

    `origin` names the front end (agent, mcp, router): the proposals store records it, and refuses anything but
    creation from an agent path.
    """

    def __init__(self, target: Target, origin: str = "agent") -> None:
        self.target = target
        self.origin = origin
        self.results = ResultStore()
        self._engine: Any = None
        self._lock = threading.Lock()  # the MCP server runs tool calls on worker threads

    @property
    def engine(self) -> Any:
        with self._lock:
            if self._engine is None:
                from dbsage.tools.engines import connect

                self._engine = connect(self.target)
            return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None


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


class ToolOutcome(BaseModel):
    """One tool call as every front end reports it. `result` is the full typed result (the evidence)."""

    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    ok: bool = True
    refused: bool = Field(default=False, description="the read-only guard refused the statement")
    summary: str = ""
    handle: str | None = Field(default=None, description="fetch the full result with fetch_result(handle)")
    result: dict[str, Any] | None = None
    error: str | None = None
    hint: str | None = None
    proposals: list[dict[str, Any]] = Field(default_factory=list, description="proposals this call filed")
    warnings: list[str] = Field(default_factory=list, description="e.g. database content that reads like an "
                                "instruction: reported as data, never followed")


def registry() -> dict[str, ToolSpec]:
    """Every tool by name, in the order a model sees them."""
    from dbsage.agent.tool_specs import all_specs

    return {spec.name: spec for spec in all_specs()}


def get_tool(name: str) -> ToolSpec:
    tools = registry()
    if name not in tools:
        raise DbsageError(f"no tool named {name!r}", f"the tools are: {', '.join(tools)}")
    return tools[name]


def call(ctx: ToolContext, name: str, arguments: dict[str, Any]) -> ToolOutcome:
    """Validate, run and summarise one tool call. Typed errors become a failed outcome, never an exception."""
    arguments = dict(arguments or {})
    try:
        spec = get_tool(name)
        params = spec.input.model_validate(arguments)
        result = spec.run(ctx, params)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'input'}: {e['msg']}" for e in exc.errors())
        return ToolOutcome(tool=name, arguments=arguments, ok=False, error=f"bad arguments: {problems}",
                           hint="call the tool again with arguments that match its schema")
    except DbsageError as exc:
        return ToolOutcome(tool=name, arguments=arguments, ok=False, refused=isinstance(exc, GuardRefusal),
                           error=redact(exc.message), hint=redact(exc.hint) if exc.hint else None)
    except Exception as exc:  # a bug in a tool must not end the conversation: report it like any failure
        return ToolOutcome(tool=name, arguments=arguments, ok=False,
                           error=f"internal error in {name}: {type(exc).__name__}: {redact(str(exc))[:300]}",
                           hint="this is a dbsage bug: the other tools still work; please report it")
    document = result.model_dump(mode="json")
    snippets = instruction_like(document)
    filed = spec.proposals_of(result) if spec.proposals_of else []
    return ToolOutcome(tool=name, arguments=arguments, summary=spec.summarize(result),
                       handle=ctx.results.put(document), result=document, proposals=filed,
                       warnings=[warning_for(snippets)] if snippets else [])
