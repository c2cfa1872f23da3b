"""The conversational loop: langchain `create_agent` over any chat model that can call tools (ChatOpenAI in practice).

What a model sees of a tool result is compact: the summary with its key numbers, wrapped in <data> markers because
it comes from the database, and a handle for the full result. A per-turn token budget bounds what tool results may
add to the context; whatever does not fit is cut with a note saying so and how to fetch the rest — never silently.

The conversation lives in `Conversation.messages` and in the transcript. An API error raises a typed ModelError
but leaves both intact: `AgentLoop.resume()` retries the turn from where it stopped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

from pydantic import BaseModel, Field

from dbsage.agent.answer import Answer, answer_from
from dbsage.agent.hooks import TurnCancelled, TurnHooks
from dbsage.agent.injection import DATA_NOTE, as_data, flagged
from dbsage.agent.limits import TurnLimits
from dbsage.agent.model import ModelConfig, ModelError, explain_api_error
from dbsage.agent.toolkit.context import ToolContext
from dbsage.agent.toolkit.registry import ToolOutcome, call, clip_error, registry
from dbsage.agent.toolkit.spec import tool_description
from dbsage.agent.transcripts import Transcript
from dbsage.tools.errors import DbsageError

WRITING_GRACE_S = 5.0  # past the turn's time limit, how long a model may finish the message it is writing
CHARS_PER_TOKEN = 4  # a rough, conservative ratio for English and SQL; we only need a bound, not a count


def system_prompt(ctx: ToolContext) -> str:
    text = files("dbsage.prompts").joinpath("system.txt").read_text(encoding="utf-8")
    return text.replace("{engine}", ctx.target.engine).replace("{target}", ctx.target.display)


class TurnBudget:
    """How many characters of tool results one user turn may add to the model's context."""

    def __init__(self, max_tokens: int, per_result_tokens: int) -> None:
        self.max_chars = max_tokens * CHARS_PER_TOKEN
        self.per_result_chars = per_result_tokens * CHARS_PER_TOKEN
        self.used = 0
        self.notes: list[str] = []

    def fit(self, text: str, handle: str | None, *, offset: int = 0) -> str:
        """`text` cut to what the budget allows, with an explicit note when anything was left out."""
        room = min(self.per_result_chars, self.max_chars - self.used)
        if room < 200:
            note = (f"[not shown: this turn's budget of {self.max_chars // CHARS_PER_TOKEN} tokens for tool results "
                    f"is used up; the full result is stored as {handle}: answer from what you have, or fetch it in "
                    "a later turn]")
            self.notes.append(f"result {handle} not shown to the model: turn budget used up")
            return note
        if len(text) <= room:
            self.used += len(text)
            return text
        self.used += room
        self.notes.append(f"result {handle} truncated to {room} of {len(text)} characters for the model")
        more = f"call fetch_result(handle='{handle}', offset={offset + room}) for the rest" if handle else ""
        return f"{text[:room]}\n[truncated by dbsage: showed {room} of {len(text)} characters; {more}]"


def render_outcome(outcome: ToolOutcome, budget: TurnBudget) -> str:
    """What the model reads for one tool call."""
    if not outcome.ok:
        kind = "refused by the read-only guard" if outcome.refused else "failed"
        hint = f"\nhint: {outcome.hint}" if outcome.hint else ""
        return f"{outcome.tool} {kind}:\n{as_data(budget.fit(outcome.error or '', None))}{hint}"
    lines = [f"[{outcome.tool} result {outcome.handle}; full result: fetch_result(handle='{outcome.handle}')]",
             DATA_NOTE, as_data(budget.fit(outcome.summary, outcome.handle))]
    lines += [flagged(w) for w in outcome.warnings]
    for p in outcome.proposals:
        lines.append(f"Filed proposal {p['id']} ({p.get('status', 'pending')}): {p.get('title', '')} — "
                     "a person approves it with `dbsage proposals`.")
    return "\n".join(lines)


class FetchResultInput(BaseModel):
    handle: str = Field(description="a result handle such as r2")
    offset: int = Field(default=0, ge=0, description="first character to return")


@dataclass
class Conversation:
    """The messages so far (langchain messages). Kept across turns and across API errors."""

    messages: list[Any] = field(default_factory=list)
    pending_question: str | None = None


class AgentLoop:
    """One conversation with a model over the toolbox."""

    def __init__(self, ctx: ToolContext, chat_model: Any, *, transcript: Transcript | None = None,
                 config: ModelConfig | None = None, on_token: Callable[[str], None] | None = None,
                 budget_tokens: int = 6_000, per_result_tokens: int = 2_000, max_steps: int | None = None,
                 stream: bool = True, hooks: TurnHooks | None = None, limits: TurnLimits | None = None) -> None:
        self.ctx = ctx
        self.config = config
        self.transcript = transcript
        self.hooks = hooks or TurnHooks(on_token=on_token)  # agent/session.py watches and cancels turns here
        self.conversation = Conversation()
        self.limits = limits or TurnLimits()
        if max_steps is not None:
            self.limits = self.limits.model_copy(update={"max_steps": max_steps})
        self._budget_tokens, self._per_result_tokens = budget_tokens, per_result_tokens
        self._max_steps = self.limits.max_steps
        self._guard = _TurnGuard(self.limits)
        self._modes = ["updates", "messages"] if stream else ["updates"]  # "messages" makes the model stream
        self._budget = TurnBudget(budget_tokens, per_result_tokens)
        self._outcomes: list[ToolOutcome] = []
        self._turn_start = 0  # index of this turn's first tool outcome; a resumed turn keeps the earlier ones
        self._graph = self._build(chat_model)

    # -- construction ------------------------------------------------------------------------------------------

    def _build(self, chat_model: Any) -> Any:
        from langchain.agents import create_agent
        from langchain_core.tools import StructuredTool

        tools = [StructuredTool.from_function(func=self._tool_runner(spec.name), name=spec.name,
                                              description=spec.description, args_schema=spec.input)
                 for spec in registry().values()]
        tools.append(StructuredTool.from_function(func=self._fetch_result, name="fetch_result",
                                                  description=tool_description("fetch_result"),
                                                  args_schema=FetchResultInput))
        return create_agent(chat_model, tools, system_prompt=system_prompt(self.ctx))

    def _tool_runner(self, name: str) -> Callable[..., str]:
        def run(**arguments: Any) -> str:
            self.hooks.tool_started(name, arguments)
            refusal = self._guard.admit()
            if refusal is not None:  # over a per-turn limit: not run, and the model is told to answer now
                outcome = ToolOutcome(tool=name, arguments=arguments, ok=False, status="not_run",
                                      error_type="TurnLimit", error=f"not run: {refusal}",
                                      hint="answer now from the results you already have")
            else:
                outcome = call(self.ctx, name, arguments)
            self._outcomes.append(outcome)
            self._record("tool", **outcome.model_dump(mode="json"))
            self.hooks.tool_finished(outcome)
            return render_outcome(outcome, self._budget)

        run.__name__ = name
        return run

    def _fetch_result(self, handle: str, offset: int = 0) -> str:
        """A page of a stored result. Listed with the turn's tool calls, and counted against its limits."""
        self.hooks.check()
        arguments = {"handle": handle, "offset": offset}
        refusal = self._guard.admit()
        if refusal is not None:
            self._outcomes.append(ToolOutcome(tool="fetch_result", arguments=arguments, ok=False, status="not_run",
                                              error_type="TurnLimit", error=f"not run: {refusal}"))
            return f"fetch_result not run: {refusal}\nhint: answer now from the results you already have"
        try:
            full = self.ctx.results.get(handle)
        except DbsageError as exc:  # an unknown handle is the model's mistake: tell it, don't end the turn
            self._outcomes.append(ToolOutcome(tool="fetch_result", arguments=arguments, ok=False, status="error",
                                              error_type=type(exc).__name__, error=exc.message, hint=exc.hint))
            return f"fetch_result failed: {exc}"
        piece = self._budget.fit(full[offset:], handle, offset=offset)
        self._outcomes.append(ToolOutcome(tool="fetch_result", arguments=arguments,
                                          summary=f"characters from {offset} of {len(full)} of {handle}"))
        return f"[{handle}: characters from {offset} of {len(full)}]\n{DATA_NOTE}\n{as_data(piece)}"

    # -- turns ---------------------------------------------------------------------------------------------------

    def ask(self, question: str) -> Answer:
        """Ask one question in this conversation. Raises ModelError (conversation kept) when the API fails."""
        from langchain_core.messages import HumanMessage

        self._record("user", text=question)
        self.conversation.messages.append(HumanMessage(content=question))
        self.conversation.pending_question = question
        self._turn_start = len(self._outcomes)
        return self._run_turn(question)

    def resume(self) -> Answer:
        """Retry the turn an API error interrupted, from the messages kept so far."""
        if self.conversation.pending_question is None:
            raise ModelError("there is no interrupted turn to resume", "ask a new question")
        return self._run_turn(self.conversation.pending_question)

    def _run_turn(self, question: str) -> Answer:
        from langgraph.errors import GraphRecursionError

        self._budget = TurnBudget(self._budget_tokens, self._per_result_tokens)
        self._guard = _TurnGuard(self.limits)
        self._turn_first_message = len(self.conversation.messages)

        try:
            self._stream(self.conversation.messages)
        except GraphRecursionError:  # the model kept calling tools: answer with what it has, and say so
            self._guard.stop(f"the model was still calling tools after {self._max_steps} steps (the turn's limit)")
            self._budget.notes.append(f"stopped after {self._max_steps} steps before the model gave a final answer")
        except (ModelError, TurnCancelled):
            raise
        except Exception as exc:
            typed = explain_api_error(exc, self.config) if self.config else None
            if typed is None:  # not the endpoint's fault as far as we can tell: still a typed error, never a traceback
                typed = ModelError(f"internal error while answering: {type(exc).__name__}: {str(exc)[:300]}",
                                   "this is a dbsage bug: ask again; please report it")
            self._record("error", error=type(typed).__name__, message=typed.message)
            raise typed from exc
        self._close_unanswered(self.conversation.messages)
        self.conversation.pending_question = None
        return self._answer(question, self._outcomes[self._turn_start:])

    def _stream(self, messages: list[Any]) -> None:
        """Run the graph, appending each new message to the conversation as soon as it exists."""
        from langchain_core.messages import AIMessageChunk

        inputs = {"messages": list(messages)}
        config = {"recursion_limit": 2 * self._max_steps + 1}
        for mode, chunk in self._graph.stream(inputs, config=config, stream_mode=self._modes):
            self.hooks.check()  # a cancelled turn stops here: closing the stream stops the model call
            if mode == "messages":
                token, _meta = chunk
                if isinstance(token, AIMessageChunk) and isinstance(token.content, str):
                    self.hooks.token(token.content)
            else:
                stopped_before = self._guard.stopped
                self._take_update(chunk, messages)
                if stopped_before and _asks_for_tools(chunk):  # it had its chance to answer: end the turn
                    break
            # Leaving the loop closes the stream, which stops the model call too. Between steps the limit is exact;
            # while the model is writing it gets a little grace, so a step it finishes is not lost half-written.
            if self._guard.out_of_time(grace_s=0 if mode == "updates" else WRITING_GRACE_S):
                self._guard.stop(f"the turn's time limit of {self.limits.max_seconds:g} s was reached")
                break

    def _take_update(self, chunk: Any, messages: list[Any]) -> None:
        from langchain_core.messages import AIMessage

        for update in (chunk or {}).values():
            for message in (update or {}).get("messages", []):
                messages.append(message)
                if isinstance(message, AIMessage):
                    self._guard.new_step()
                    self._record("assistant", text=_text(message),
                                 tool_calls=[{"name": c["name"], "args": c["args"]} for c in message.tool_calls])
                elif getattr(message, "status", None) == "error":  # refused before any tool of ours ran
                    self._record_unrun_call(message, messages)

    def _close_unanswered(self, messages: list[Any]) -> None:
        """Tool calls of this turn left without a result (the turn stopped first) get one saying they were not run:
        they are listed in the answer, and the history stays valid for the next turn (an API refuses a tool call
        without its result)."""
        from langchain_core.messages import AIMessage, ToolMessage

        answered = {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}
        reason = self._guard.stopped or "the turn stopped"
        for message in list(messages[self._turn_first_message:]):
            for tool_call in message.tool_calls if isinstance(message, AIMessage) else []:
                if tool_call.get("id") in answered:
                    continue
                messages.append(ToolMessage(content=f"not run: {reason}", tool_call_id=tool_call.get("id") or "",
                                            name=tool_call["name"], status="error"))
                outcome = ToolOutcome(tool=tool_call["name"][:100], arguments=dict(tool_call.get("args") or {}),
                                      ok=False, status="not_run", error_type="TurnLimit", error=f"not run: {reason}")
                self._outcomes.append(outcome)
                self._record("tool", **outcome.model_dump(mode="json"))

    def _record_unrun_call(self, message: Any, messages: list[Any]) -> None:
        """A call langchain answered itself: a tool name the model made up, or arguments that do not match the
        tool's schema. It is listed with the others, so the answer shows every call the model attempted."""
        from langchain_core.messages import AIMessage

        name = str(getattr(message, "name", "") or "")
        arguments: dict[str, Any] = {}
        for earlier in reversed(messages):
            if isinstance(earlier, AIMessage):
                found = [c for c in earlier.tool_calls if c.get("id") == message.tool_call_id]
                if found:
                    name, arguments = found[0]["name"], dict(found[0].get("args") or {})
                    break
        known = name in registry() or name == "fetch_result"
        outcome = ToolOutcome(tool=name[:100], arguments=arguments, ok=False,
                              status="bad_arguments" if known else "unknown_tool",
                              error_type="ValidationError" if known else "UnknownTool",
                              error=clip_error(_text(message)),
                              hint="call it again with arguments that match its schema" if known
                              else f"the tools are: {', '.join([*registry(), 'fetch_result'])}")
        self._outcomes.append(outcome)
        self._record("tool", **outcome.model_dump(mode="json"))
        self.hooks.tool_finished(outcome)

    def _answer(self, question: str, outcomes: list[ToolOutcome]) -> Answer:
        from langchain_core.messages import AIMessage

        this_turn = self.conversation.messages[self._turn_first_message:]
        final = next((m for m in reversed(this_turn) if isinstance(m, AIMessage) and not m.tool_calls), None)
        text = _text(final) if final is not None else ""
        if self._guard.out_of_time():
            self._guard.stop(f"the turn's time limit of {self.limits.max_seconds:g} s was reached")
        if not text.strip() and self._guard.stopped is None:
            self._guard.stop("the model ended its turn without an answer")
        stopped = self._guard.stopped
        if stopped is not None and not text.strip():  # never an empty answer: say it stopped, why, and what was found
            text = stopped_text(stopped, outcomes)
        notes = [*self._budget.notes, *(w for o in outcomes for w in o.warnings)]
        if stopped is not None:
            notes.append(f"stopped: {stopped}")
        answer = answer_from(question, "model", text, outcomes, notes=notes, transcript=self.transcript,
                             model=self.config.display if self.config else None, stopped_reason=stopped)
        self._record("answer", text=text, notes=notes, proposals=[p.model_dump() for p in answer.proposals])
        return answer

    def _record(self, event: str, **fields: Any) -> None:
        if self.transcript is not None:
            self.transcript.record(event, **fields)


def _text(message: Any) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)


def _asks_for_tools(chunk: Any) -> bool:
    """Whether a streamed update carries a model message that calls tools."""
    return any(getattr(m, "tool_calls", None) for update in (chunk or {}).values()
               for m in (update or {}).get("messages", []))


def stopped_text(reason: str, outcomes: list[ToolOutcome]) -> str:
    """The answer of a turn a limit ended before the model answered: that it stopped, why, and what was found."""
    lines = [f"dbsage stopped this turn before the model finished: {reason}.", "What the tool calls found so far:"]
    for o in outcomes[:20]:
        first = (o.summary.splitlines() or ["done"])[0] if o.ok else f"{o.status}: {(o.error or '').splitlines()[0]}"
        lines.append(f"- {o.tool}: {first[:200]}")
    if not outcomes:
        lines.append("- nothing yet")
    lines.append("Ask a narrower question, or raise the limits ([agent] in dbsage.toml).")
    return "\n".join(lines)


class _TurnGuard:
    """The per-turn limits while a turn runs (agent/limits.py). Tools of one step run on several threads."""

    def __init__(self, limits: TurnLimits) -> None:
        self.limits = limits
        self.started = time.monotonic()
        self.calls = 0
        self.step_calls = 0
        self.stopped: str | None = None
        self._lock = threading.Lock()

    def new_step(self) -> None:
        with self._lock:
            self.step_calls = 0

    def out_of_time(self, grace_s: float = 0.0) -> bool:
        return time.monotonic() - self.started > self.limits.max_seconds + grace_s

    def stop(self, reason: str) -> None:
        with self._lock:
            self.stopped = self.stopped or reason

    def admit(self) -> str | None:
        """None when one more tool call may run; otherwise why not (a turn-wide limit also stops the turn)."""
        with self._lock:
            if time.monotonic() - self.started > self.limits.max_seconds:
                reason = f"the turn's time limit of {self.limits.max_seconds:g} s was reached"
            elif self.calls >= self.limits.max_tool_calls:
                reason = f"the turn's limit of {self.limits.max_tool_calls} tool calls was reached"
            elif self.step_calls >= self.limits.max_parallel_calls:
                return (f"more than {self.limits.max_parallel_calls} tool calls in one step (the limit per step); "
                        "make fewer calls at once")
            else:
                self.calls += 1
                self.step_calls += 1
                return None
            self.stopped = self.stopped or reason
            return reason
