"""The registry of agent tools: one list, three front ends (the langchain loop, the MCP server, the plain router).

`call()` runs one tool and returns a ToolOutcome: the summary for a model, a handle to the full result, and the
full typed result as evidence.

Only read-only tools exist, plus `file_proposal`, which only *creates* a pending proposal. Nothing approves,
rejects or applies: those are people's actions in `dbsage proposals`.

To add a section of tools (e.g. `knowledge`), write `agent/toolkit/knowledge.py` with a `SPECS` list and add its
name to SECTIONS below, where the order is the order a model sees the tools.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from dbsage.agent.hints import hint_for
from dbsage.agent.injection import instruction_like, warning_for
from dbsage.agent.toolkit.context import ToolContext
from dbsage.agent.toolkit.spec import ToolSpec
from dbsage.tools.errors import DbsageError, GuardRefusal
from dbsage.tools.redact import redact

SECTIONS: tuple[str, ...] = ("schema", "query", "diagnosis", "change", "migration", "knowledge")


ToolStatus = Literal["ok", "refused", "error", "bad_arguments", "unknown_tool", "not_run"]
ERROR_CHARS = 2_000  # an error never echoes an input (or a server's text quoting it) back unbounded


class ToolOutcome(BaseModel):
    """One tool call as every front end reports it. `result` is the full typed result (the evidence)."""

    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    ok: bool = True
    status: ToolStatus = Field(default="ok", description="ok; refused by the guard; error (the typed error is "
                               "error_type); bad_arguments; unknown_tool (a name the model made up); not_run "
                               "(a per-turn limit stopped it)")
    error_type: str | None = Field(default=None, description="the typed error's class, e.g. DatabaseError")
    refused: bool = Field(default=False, description="the read-only guard refused the statement")
    summary: str = ""
    handle: str | None = Field(default=None, description="fetch the full result with fetch_result(handle)")
    result: dict[str, Any] | None = None
    error: str | None = None
    hint: str | None = None
    proposals: list[dict[str, Any]] = Field(default_factory=list, description="proposals this call filed")
    warnings: list[str] = Field(default_factory=list, description="e.g. database content that reads like an "
                                "instruction: reported as data, never followed")


def all_specs() -> list[ToolSpec]:
    """Every tool, in the order a model sees them: section by section, each section's SPECS in order."""
    specs: list[ToolSpec] = []
    for section in SECTIONS:  # imported on first use: the CLI's start-up never pays for the tool modules
        specs += import_module(f"dbsage.agent.toolkit.{section}").SPECS
    return specs


def registry() -> dict[str, ToolSpec]:
    """Every tool by name, in the order a model sees them."""
    return {spec.name: spec for spec in all_specs()}


def get_tool(name: str) -> ToolSpec:
    tools = registry()
    if name not in tools:
        raise DbsageError(f"no tool named {name!r}", f"the tools are: {', '.join(tools)}")
    return tools[name]


def call(ctx: ToolContext, name: str, arguments: dict[str, Any]) -> ToolOutcome:
    """Validate, run and summarise one tool call. Typed errors become a failed outcome, never an exception."""
    arguments = dict(arguments or {})
    if name not in registry():
        return ToolOutcome(tool=name[:100], arguments=arguments, ok=False, status="unknown_tool",
                           error_type="UsageError", error=f"no tool named {name[:100]!r}",
                           hint=f"the tools are: {', '.join(registry())}")
    try:
        spec = get_tool(name)
        params = spec.input.model_validate(arguments)
        result = spec.run(ctx, params)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'input'}: {e['msg']}" for e in exc.errors())
        return ToolOutcome(tool=name, arguments=arguments, ok=False, status="bad_arguments",
                           error_type="ValidationError", error=clip_error(f"bad arguments: {problems}"),
                           hint="call the tool again with arguments that match its schema")
    except DbsageError as exc:
        refused = isinstance(exc, GuardRefusal) and exc.exit_code == GuardRefusal.exit_code  # not a syntax error
        return ToolOutcome(tool=name, arguments=arguments, ok=False, refused=refused,
                           status="refused" if refused else "error", error_type=type(exc).__name__,
                           error=clip_error(redact(exc.message)),
                           hint=redact(hint) if (hint := hint_for("tool", type(exc).__name__, exc.hint)) else None)
    except ModuleNotFoundError as exc:  # an optional part is missing: say what to install
        from dbsage.agent.missing import missing_package

        typed = missing_package(exc)
        if typed is not None:
            return ToolOutcome(tool=name, arguments=arguments, ok=False, status="error", error_type="ConfigError",
                               error=typed.message, hint=typed.hint)
        return ToolOutcome(tool=name, arguments=arguments, ok=False, status="error", error_type="InternalError",
                           error=f"internal error in {name}: {exc}", hint="this is a dbsage bug; please report it")
    except Exception as exc:  # a bug in a tool must not end the conversation: report it like any failure
        return ToolOutcome(tool=name, arguments=arguments, ok=False, status="error", error_type="InternalError",
                           error=f"internal error in {name}: {type(exc).__name__}: {redact(str(exc))[:300]}",
                           hint="this is a dbsage bug: the other tools still work; please report it")
    document = result.model_dump(mode="json")
    snippets = instruction_like(document)
    filed = spec.proposals_of(result) if spec.proposals_of else []
    return ToolOutcome(tool=name, arguments=arguments, summary=spec.summarize(result),
                       handle=ctx.results.put(document), result=document, proposals=filed,
                       warnings=[warning_for(snippets)] if snippets else [])


def clip_error(text: str) -> str:
    """`text` within ERROR_CHARS, saying how much was cut."""
    return text if len(text) <= ERROR_CHARS else f"{text[:ERROR_CHARS]} …[{len(text) - ERROR_CHARS} characters cut]"
