"""The MCP `ask` tool: one question through the conversation core (agent/session.py), the Answer sized for the
client's context, and isError when the answer has no evidence (every tool call inside it failed) or a typed error
(the model endpoint failed, …) ended the turn."""

from __future__ import annotations

from typing import Any

from dbsage.agent.answer import Answer
from dbsage.agent.mcp.progress import Progress
from dbsage.agent.toolkit.context import ToolContext


def ask_over_mcp(ctx: ToolContext, question: str, max_chars: int, progress: Progress) -> Any:
    from mcp_types import CallToolResult, TextContent

    from dbsage.agent.injection import DATA_NOTE, as_data
    from dbsage.agent.mcp.results import as_tool_error
    from dbsage.agent.mcp.sizing import clip_text, fit_document
    from dbsage.agent.session import Event, Session, ToolStarted
    from dbsage.agent.toolkit.registry import ToolOutcome
    from dbsage.tools.errors import DbsageError

    def on_event(event: Event) -> None:
        if isinstance(event, ToolStarted):
            progress.step(f"ask: running {event.tool}")

    try:
        session = Session.start(ctx, front_end="mcp")
        answer = session.ask(question, on_event)
    except DbsageError as error:
        raise as_tool_error(ToolOutcome(tool="ask", ok=False, status="error", error_type=type(error).__name__,
                                        error=error.message, hint=error.hint)) from None
    document, cut = fit_document(answer.model_dump(mode="json"), max_chars)
    structured = {**document, **({"result_cut": cut} if cut else {})}
    text = "\n".join([f"[ask: {answer.status}{_reason(answer)}; {len(answer.tool_calls)} tool call(s)]",
                      DATA_NOTE, as_data(clip_text(answer.answer, max(200, max_chars - 600))),
                      *[f"tool {line}" for line in _evidence(answer)][:20]])
    return CallToolResult(content=[TextContent(type="text", text=clip_text(text, max_chars))],
                          structured_content=structured, is_error=answer.status == "no_evidence")


def _reason(answer: Answer) -> str:
    return f" ({answer.stopped_reason})" if answer.stopped_reason else ""


def _evidence(answer: Answer) -> list[str]:
    lines = []
    for call in answer.tool_calls:
        if call.ok:
            first = call.summary.splitlines()[0] if call.summary else "done"
            lines.append(f"{call.tool} ok ({call.handle}): {first[:160]}")
        else:
            lines.append(f"{call.tool} {call.status}: {(call.error or '').splitlines()[0][:160] if call.error else ''}")
    return lines
