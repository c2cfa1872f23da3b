"""The chat's widgets: header, the conversation's pieces, the prompt with history, the side panel."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Button, Collapsible, Input, Label, ListItem, ListView, Markdown, Static, Tree

from dbsage.agent.session import headline
from dbsage.agent.toolkit.registry import ToolOutcome


class StatusHeader(Static):
    """One line that always says where the chat is: connection, database, server, login, model or router."""

    def show(self, *, connection: str, database: str = "", server: str = "…", login: str = "…",
             model: str | None, read_only: bool | None = None) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" dbsage ", style="bold reverse")
        text.append(f" {connection}", style="bold")
        if database:
            text.append(f" · db {database}")
        text.append(f"  │ {server}")
        style = "green" if read_only else "bold red" if read_only is False else ""
        text.append(f"  │ {login}", style=style)
        text.append("  │ ")
        text.append(f"model: {model}" if model else "no model: plain router", style="" if model else "yellow")
        self.update(text)


class ProposalsChanged(Message):
    """The proposals queue changed (filed, approved, rejected): the side panel reads it again."""


def sql_fence(sql: str) -> str:
    return f"```sql\n{sql.strip()}\n```"


class QuestionView(Static):
    def __init__(self, question: str) -> None:
        super().__init__(Text.assemble(("› ", "bold"), question))


class Note(Static):
    """A line from dbsage itself: info, warning or error (with what to do)."""

    def __init__(self, text: str, kind: str = "info") -> None:
        super().__init__(Text(text), classes=kind)


class ToolBlock(Collapsible):
    """One tool call: the title says what ran and its key numbers; open it for the summary and the full result."""

    class ShowFull(Message):
        def __init__(self, outcome: ToolOutcome) -> None:
            super().__init__()
            self.outcome = outcome

    def __init__(self, tool: str, arguments: dict[str, Any], *, collapsed: bool = True) -> None:
        self.tool = tool
        self.arguments = arguments
        self.outcome: ToolOutcome | None = None
        # The children exist from the start: a result may arrive before the block is mounted.
        sql = arguments.get("sql")
        self.evidence = Static(Text("running…", style="dim"), classes="tool-evidence")
        self.full = Button("Full result", classes="full-result", compact=True)
        self.full.display = False
        children = [Markdown(sql_fence(sql), classes="tool-sql")] if isinstance(sql, str) else []
        super().__init__(*children, self.evidence, self.full, title=f"⋯ {self._call()} — running",
                         collapsed=collapsed, classes="tool")

    def _call(self) -> str:
        shown = {k: v for k, v in self.arguments.items() if k != "sql"}
        args = ", ".join(f"{k}={v!r}" for k, v in shown.items())
        return f"{self.tool}({args[:60]})"

    def _evidence(self) -> Text:
        outcome = self.outcome
        if outcome is None:
            return Text("running…", style="dim")
        if outcome.ok:
            return Text(outcome.summary)
        text = Text(f"{'refused' if outcome.refused else 'failed'}: {outcome.error}", style="bold")
        if outcome.hint:
            text.append(f"\n→ {outcome.hint}")
        return text

    def finish(self, outcome: ToolOutcome) -> None:
        self.outcome = outcome
        mark = "✓" if outcome.ok else "✗"
        self.title = f"{mark} {self._call()} — {headline(outcome)[:90]}"
        self.set_class(not outcome.ok, "failed")
        self.evidence.update(self._evidence())
        self.full.display = outcome.ok and outcome.result is not None

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if self.outcome is not None and event.button.has_class("full-result"):
            event.stop()
            self.post_message(self.ShowFull(self.outcome))


def full_result_text(outcome: ToolOutcome) -> str:
    return json.dumps(outcome.result, indent=2, ensure_ascii=False, default=str)


class PromptInput(Input):
    """The question box, with the earlier questions on the up and down arrows."""

    BINDINGS = [Binding("up", "older", "earlier input", show=False),
                Binding("down", "newer", "later input", show=False)]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.history: list[str] = []
        self._position = 0

    def remember(self, text: str) -> None:
        if text and (not self.history or self.history[-1] != text):
            self.history.append(text)
        self._position = len(self.history)

    def action_older(self) -> None:
        if self._position > 0:
            self._position -= 1
            self.value = self.history[self._position]
            self.cursor_position = len(self.value)

    def action_newer(self) -> None:
        if self._position < len(self.history):
            self._position += 1
            self.value = self.history[self._position] if self._position < len(self.history) else ""
            self.cursor_position = len(self.value)


class ProposalItem(ListItem):
    def __init__(self, proposal_id: int, title: str) -> None:
        super().__init__(Label(Text(f"#{proposal_id} {title}")))
        self.proposal_id = proposal_id


class SidePanel(Vertical):
    """The current connection's schema, and the proposals waiting for a person."""

    def compose(self) -> ComposeResult:
        yield Label("Schema", classes="panel-title")
        tree: Tree[dict[str, Any]] = Tree("connecting…", id="schema")
        tree.show_root = False
        yield tree
        yield Label("Pending proposals", classes="panel-title")
        yield ListView(id="proposals")

    def show_objects(self, document: dict[str, Any] | None, error: str | None = None) -> None:
        tree = self.query_one("#schema", Tree)
        tree.clear()
        if document is None:
            tree.root.add_leaf(Text(error or "not connected"))
            return
        schemas: dict[str, Any] = {}
        for obj in document.get("objects", []):
            schema, _, name = str(obj["name"]).rpartition(".")
            node = schemas.get(schema)
            if node is None:
                node = schemas[schema] = tree.root.add(schema or document.get("database", "objects"), expand=True)
            rows = obj.get("row_estimate")
            label = Text(name)
            label.append(f"  {obj.get('kind', '')}{f' ≈{rows:,}' if isinstance(rows, int) else ''}", style="dim")
            node.add(label, data={"name": obj["name"]}, allow_expand=True)
        if document.get("omitted"):
            tree.root.add_leaf(Text(f"… {document['omitted']} more"))
        if not schemas:
            tree.root.add_leaf(Text("no tables"))

    def show_columns(self, node: Any, table: dict[str, Any]) -> None:
        node.remove_children()
        for column in table.get("columns", []):
            flags = "" if column.get("nullable", True) else " not null"
            node.add_leaf(Text.assemble(str(column.get("name")), (f"  {column.get('type', '')}{flags}", "dim")))
        for index in table.get("indexes", []):
            node.add_leaf(Text.assemble(("index ", "dim"), str(index.get("name"))))

    def show_proposals(self, proposals: list[tuple[int, str]]) -> None:
        listing = self.query_one("#proposals", ListView)
        listing.clear()
        if proposals:
            listing.extend(ProposalItem(pid, title) for pid, title in proposals)
        else:
            listing.append(ListItem(Label("none"), disabled=True))
