"""One question, one answer: with the configured model when there is one, else with the plain router.

Shared by `dbsage ask` and the MCP `ask` tool, through the conversation core (agent/session.py) that the terminal
chat and the Slack bot use too: a one-turn conversation, recorded as a transcript under the state dir.
"""

from __future__ import annotations

from collections.abc import Callable

from dbsage.agent.answer import Answer
from dbsage.agent.toolkit.context import ToolContext


def answer_question(ctx: ToolContext, question: str, *, front_end: str, use_model: bool = True,
                    on_token: Callable[[str], None] | None = None, chat_model: object | None = None) -> Answer:
    """Answer with a model (configured, or `chat_model` given by a caller such as a test), else the router.

    Raises ModelError with the transcript's path in its hint when the model API fails; the transcript keeps the
    conversation up to the failure. Ctrl-C cancels the running
    statement on the server, then propagates.
    """
    from dbsage.agent.session import Event, Session, TextDelta

    session = Session.start(ctx, front_end=front_end, use_model=use_model, chat_model=chat_model)

    def on_event(event: Event) -> None:
        if on_token is not None and isinstance(event, TextDelta):
            on_token(event.text)

    return session.ask(question, on_event)
