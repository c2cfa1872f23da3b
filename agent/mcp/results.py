"""What an MCP client gets back from one call: a successful outcome as bounded text (the agent loop's summary) and
bounded structured content (agent/mcp/sizing.py); a failed one as a tool error (isError) naming the error's type,
its message bounded, database text inside data markers, and a hint an MCP client can act on (agent/hints.py)."""

from __future__ import annotations

from typing import Any

from dbsage.agent.injection import DATA_NOTE, as_data, flagged
from dbsage.agent.mcp.sizing import clip_text, fit_document
from dbsage.agent.toolkit.registry import ToolOutcome, clip_error
from dbsage.tools.redact import redact


def _text_of(outcome: ToolOutcome, max_chars: int, cut: list[str]) -> str:
    """What a client's model reads: the summary the agent loop's model reads, inside data markers."""
    head = f"[{outcome.tool} result {outcome.handle}; full result: fetch_result(handle='{outcome.handle}')]"
    parts = [head, DATA_NOTE, as_data(clip_text(outcome.summary, max_chars - len(head) - 300, outcome.handle))]
    parts += [flagged(w) for w in outcome.warnings]
    parts += [f"Filed proposal {p['id']} ({p.get('status', 'pending')}): {p.get('title', '')} — a person approves "
              "it with `dbsage proposals`." for p in outcome.proposals]
    if cut:
        parts.append("structured content cut: " + "; ".join(cut))
    return "\n".join(parts)


def as_call_result(outcome: ToolOutcome, max_chars: int, *, is_error: bool = False) -> Any:
    """A successful outcome as the client gets it: bounded text and bounded structured content."""
    from mcp_types import CallToolResult, TextContent

    document, cut = fit_document(outcome.result or {}, max_chars)
    structured = {**document, "result_handle": outcome.handle, **({"result_cut": cut} if cut else {})}
    return CallToolResult(content=[TextContent(type="text", text=_text_of(outcome, max_chars, cut))],
                          structured_content=structured, is_error=is_error)


def as_tool_error(outcome: ToolOutcome) -> Exception:
    """A failed outcome as an MCP tool error (isError): `refused:`/`error:` + the error type, the message (bounded;
    database text inside data markers) and a hint an MCP client can act on."""
    from mcp.server.mcpserver.exceptions import ToolError

    from dbsage.agent.hints import hint_for

    prefix = "refused" if outcome.refused else "error"
    message = clip_error(redact(outcome.error or "unknown error"))
    if outcome.error_type == "DatabaseError":  # the server's text: it may quote rows, names or a function's RAISE
        message = f"{DATA_NOTE}\n{as_data(message)}"
    hint = hint_for("mcp", outcome.error_type, outcome.hint)
    kind = f" [{outcome.error_type}]" if outcome.error_type and not outcome.refused else ""
    return ToolError(f"{prefix}{kind}: {message}" + (f"\nhint: {redact(hint)}" if hint else ""))
