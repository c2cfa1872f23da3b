"""`dbsage chat`: the terminal chat, a textual app over the conversation core (agent/session.py).

Map: `app.py` (ChatApp: the layout, key bindings, the command palette, turns as events from the session),
`widgets.py` (the header, the conversation's pieces — question, tool block, answer, notes —, the prompt with its
history, the side panel's schema tree and proposal list), `screens.py` (a proposal with Approve / Reject and the
confirmation, a tool's full result, switching connections, help), `slash.py` (slash commands → deterministic tool
calls, and /kb).

The app never imports an engine module or names an engine: it talks to the session, the toolkit (typed results)
and the proposals store. textual is imported only when `dbsage chat` runs.

To add a slash command: add an entry to `slash.COMMANDS` (its usage line and how it maps to a tool call); /help
lists it. To add a key binding: add it to `ChatApp.BINDINGS` with a description (the footer shows it) and a matching
`action_…` method; add a palette entry in `ChatApp.get_system_commands` for anything worth finding by name.
"""

from __future__ import annotations

from typing import Any


def run_chat(target: Any, *, resume: str | None = None, use_model: bool = True) -> None:
    """Run the chat on `target` (a resolved tools.targets.Target) until the person quits."""
    from dbsage.agent.tui.app import ChatApp

    ChatApp(target, resume=resume, use_model=use_model).run()
