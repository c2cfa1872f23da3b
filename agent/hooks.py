"""How a front end watches a turn while it runs, and stops it: the loop and the router call these hooks.

`TurnHooks` carries three optional callbacks (a piece of answer text, a tool call starting, a tool call finished)
and the turn's cancel flag. The loop and the router check the flag between steps (every streamed token, before and
after every tool call) and raise `TurnCancelled`; `agent/session.py` sets it and cancels the running statement on
the server. Callbacks run on whichever thread runs the step (langgraph runs tools on worker threads): keep them
short and thread-safe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dbsage.tools.errors import DbsageError

if TYPE_CHECKING:
    from dbsage.agent.toolkit.registry import ToolOutcome


class TurnCancelled(DbsageError):
    """The person cancelled the turn. Nothing of it joins the conversation's history."""

    def __init__(self) -> None:
        super().__init__("the turn was cancelled", "ask again, or ask something else")


@dataclass
class TurnHooks:
    on_token: Callable[[str], None] | None = None
    on_tool_start: Callable[[str, dict[str, Any]], None] | None = None
    on_tool_end: Callable[[ToolOutcome], None] | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)  # set by whoever ran the turn, at its end

    def check(self) -> None:
        """Raise TurnCancelled once the turn has been cancelled."""
        if self.cancelled.is_set():
            raise TurnCancelled()

    def token(self, text: str) -> None:
        self.check()
        if self.on_token and text:
            self.on_token(text)

    def tool_started(self, name: str, arguments: dict[str, Any]) -> None:
        self.check()
        if self.on_tool_start:
            self.on_tool_start(name, arguments)

    def tool_finished(self, outcome: ToolOutcome) -> None:
        if self.on_tool_end:
            self.on_tool_end(outcome)
        self.check()  # a statement cancelled on the server comes back as a failed outcome: end the turn here
