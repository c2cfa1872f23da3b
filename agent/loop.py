"""The conversational loop: langchain `create_agent` over any chat model that can call tools (ChatOpenAI in practice).

What a model sees of a tool result is compact: the summary with its key numbers, wrapped in <data> markers because
it comes from the database, and a handle for the full result. A per-turn token budget bounds what tool results may
add to the context; whatever does not fit is cut with a note saying so and how to fetch the rest — never silently.

The conversation lives in `Conversation.messages` and in the transcript. An API error raises a typed ModelError
but leaves both intact: `AgentLoop.resume()` retries the turn from where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

from pydantic import BaseModel, Field

from dbsage.agent.answer import Answer, answer_from
from dbsage.agent.hooks import TurnCancelled, TurnHooks
from dbsage.agent.injection import DATA_NOTE, as_data, flagged
from dbsage.agent.model import ModelConfig, ModelError, explain_api_error
from dbsage.agent.toolkit.context import ToolContext
from dbsage.agent.toolkit.registry import ToolOutcome, call, registry
from dbsage.agent.toolkit.spec import tool_description
from dbsage.agent.transcripts import Transcript
from dbsage.tools.errors import DbsageError

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
                 budget_tokens: int = 6_000, per_result_tokens: int = 2_000, max_steps: int = 12,
                 stream: bool = True, hooks: TurnHooks | None = None) -> None:
        self.ctx = ctx
        self.config = config
        self.transcript = transcript
        self.hooks = hooks or TurnHooks(on_token=on_token)  # agent/session.py watches and cancels turns here
        self.conversation = Conversation()
        self._budget_tokens, self._per_result_tokens, self._max_steps = budget_tokens, per_result_tokens, max_steps
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
            outcome = call(self.ctx, name, arguments)
            self._outcomes.append(outcome)
            self._record("tool", **outcome.model_dump(mode="json"))
            self.hooks.tool_finished(outcome)
            return render_outcome(outcome, self._budget)

        run.__name__ = name
        return run

    def _fetch_result(self, handle: str, offset: int = 0) -> str:
        self.hooks.check()
        try:
            full = self.ctx.results.get(handle)
        except DbsageError as exc:  # an unknown handle is the model's mistake: tell it, don't end the turn
            return f"fetch_result failed: {exc}"
        piece = self._budget.fit(full[offset:], handle, offset=offset)
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

        try:
            self._stream(self.conversation.messages)
        except GraphRecursionError:  # the model kept calling tools: answer with what it has, and say so
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
        self.conversation.pending_question = None
        return self._answer(question, self._outcomes[self._turn_start:])

    def _stream(self, messages: list[Any]) -> None:
        """Run the graph, appending each new message to the conversation as soon as it exists."""
        from langchain_core.messages import AIMessage, AIMessageChunk

        inputs = {"messages": list(messages)}
        config = {"recursion_limit": 2 * self._max_steps + 1}
        for mode, chunk in self._graph.stream(inputs, config=config, stream_mode=self._modes):
            self.hooks.check()  # a cancelled turn stops here: closing the stream stops the model call
            if mode == "messages":
                token, _meta = chunk
                if isinstance(token, AIMessageChunk) and isinstance(token.content, str):
                    self.hooks.token(token.content)
                continue
            for update in (chunk or {}).values():
                for message in (update or {}).get("messages", []):
                    messages.append(message)
                    if isinstance(message, AIMessage):
                        self._record("assistant", text=_text(message),
                                     tool_calls=[{"name": c["name"], "args": c["args"]} for c in message.tool_calls])

    def _answer(self, question: str, outcomes: list[ToolOutcome]) -> Answer:
        from langchain_core.messages import AIMessage

        final = next((m for m in reversed(self.conversation.messages) if isinstance(m, AIMessage)), None)
        text = _text(final) if final is not None else ""
        notes = [*self._budget.notes, *(w for o in outcomes for w in o.warnings)]
        answer = answer_from(question, "model", text, outcomes, notes=notes, transcript=self.transcript,
                             model=self.config.display if self.config else None)
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
