"""The chat's screens: a proposal (Approve / Reject, each after a confirmation), a tool's full result, and the
list of named connections to switch to."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Input, Label, Markdown, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from dbsage.agent.proposals import TRANSITIONS, Proposal, ProposalStore, current_user
from dbsage.agent.tui.widgets import ProposalsChanged, sql_fence
from dbsage.tools.errors import DbsageError


def proposal_markdown(p: Proposal) -> str:
    """Everything a reviewer needs on one page: the change both ways, the lint verdict, the why, the history."""
    facts = [f"**status:** {p.status}", f"**engine:** {p.engine}", f"**target:** {p.target}",
             f"**filed:** {p.created_at:%Y-%m-%d %H:%M} by {p.created_by}"]
    if p.estimated_benefit:
        facts.append(f"**estimated benefit:** {p.estimated_benefit}")
    if p.size_bytes is not None:
        facts.append(f"**size:** {p.size_bytes:,} bytes")
    parts = [f"# Proposal #{p.id}: {p.title}", " · ".join(facts), *_risk(p), "## Up", sql_fence(p.up_sql), "## Down",
             sql_fence(p.down_sql)]
    verdict = _lint_verdict(p)
    parts += ["## Lint verdict", verdict or "_no lint verdict recorded for this proposal_"]
    parts += ["## Rationale", p.rationale or "_none given_", "## Audit trail"]
    parts += [f"- {e.at:%Y-%m-%d %H:%M:%S} **{e.action}** by {e.who}{f' via {e.via}' if e.via else ''}"
              f"{f' — {e.note}' if e.note else ''}" for e in p.audit]
    return "\n\n".join(parts)


def _risk(p: Proposal) -> list[str]:
    """The review's flags, only when it raised any: a destructive change says so before its SQL."""
    if p.review is None or not p.review.flags():
        return []
    lines = ["**⚠ DESTRUCTIVE: this change loses data; the down cannot bring it back.**"] if p.destructive else []
    lines.append(f"**risk:** {p.review.line()}")
    lines += [f"- lock: `{lock}`" for lock in p.review.locks]
    return lines


def _lint_verdict(p: Proposal) -> str | None:
    """The verdict, when the proposal carries one (migration proposals do; index advice may not)."""
    for field in ("lint_verdict", "lint", "verdict"):
        value: Any = getattr(p, field, None)
        if value:
            return value if isinstance(value, str) else f"```json\n{value}\n```"
    return None


class ConfirmScreen(ModalScreen[tuple[bool, str]]):
    """Yes or no to a decision a person makes; `ask_reason` adds a line for why (a rejection)."""

    BINDINGS = [Binding("escape", "no", "cancel")]

    def __init__(self, question: str, yes: str, *, ask_reason: bool = False) -> None:
        super().__init__()
        self.question, self.yes, self.ask_reason = question, yes, ask_reason

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(Text(self.question))
            if self.ask_reason:
                yield Input(placeholder="reason (optional)", id="reason")
            with Horizontal(classes="buttons"):
                yield Button(self.yes, variant="warning", id="yes")
                yield Button("Cancel", id="no")

    def on_mount(self) -> None:
        self.query_one("#reason" if self.ask_reason else "#no").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        reason = self.query_one("#reason", Input).value.strip() if self.ask_reason else ""
        self.dismiss((event.button.id == "yes", reason))

    def action_no(self) -> None:
        self.dismiss((False, ""))


class ProposalScreen(Screen[None]):
    """One proposal, and the two decisions a person may take on it here (never apply)."""

    BINDINGS = [Binding("a", "approve", "approve"), Binding("r", "reject", "reject"),
                Binding("c", "copy_up", "copy up SQL"), Binding("escape", "app.pop_screen", "back")]

    def __init__(self, store: ProposalStore, proposal_id: int) -> None:
        super().__init__()
        self.store = store
        self.proposal_id = proposal_id

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="proposal-body"):
            yield Markdown(id="proposal")
        with Horizontal(classes="buttons"):
            yield Button("Approve", variant="success", id="approve")
            yield Button("Reject", variant="error", id="reject")
            yield Button("Back", id="back")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_proposal()

    def refresh_proposal(self) -> None:
        proposal = self.store.get(self.proposal_id)
        self.query_one("#proposal", Markdown).update(proposal_markdown(proposal))
        allowed = TRANSITIONS[proposal.status]
        self.query_one("#approve", Button).disabled = "approved" not in allowed
        self.query_one("#reject", Button).disabled = "rejected" not in allowed
        self.query_one("#proposal-body").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        {"approve": self.action_approve, "reject": self.action_reject,
         "back": self.app.pop_screen}[event.button.id or "back"]()

    def action_approve(self) -> None:
        self._decide("approve")

    def action_reject(self) -> None:
        self._decide("reject")

    def action_copy_up(self) -> None:
        up = self.store.get(self.proposal_id).up_sql
        self.app.copy_to_clipboard(up)
        self.notify(f"copied the up SQL ({len(up)} characters)")

    def _decide(self, action: str) -> None:
        if self.query_one(f"#{action}", Button).disabled:
            self.notify(f"proposal #{self.proposal_id} cannot be {action}d in its status", severity="warning")
            return
        who = current_user()
        question = (f"{action.capitalize()} proposal #{self.proposal_id} as {who}? This is recorded in the audit "
                    "trail; nothing is applied to the database.")

        def decided(answer: tuple[bool, str] | None) -> None:
            if answer and answer[0]:
                self._record(action, who, answer[1] or None)

        self.app.push_screen(ConfirmScreen(question, action.capitalize(), ask_reason=action == "reject"), decided)

    def _record(self, action: str, who: str, reason: str | None) -> None:
        try:
            if action == "approve":
                self.store.approve(self.proposal_id, by=who, via="chat")
            else:
                self.store.reject(self.proposal_id, by=who, reason=reason)
        except DbsageError as error:
            self.notify(f"{error.message} — {error.hint}" if error.hint else error.message, severity="error")
        else:
            self.notify(f"proposal #{self.proposal_id} {action}d by {who}")
        self.refresh_proposal()
        self.app.post_message(ProposalsChanged())


class ResultScreen(Screen[None]):
    """A tool's full result (JSON), read-only, with copy."""

    BINDINGS = [Binding("escape", "app.pop_screen", "back"), Binding("c", "copy", "copy")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text, self.text = title, text

    def compose(self) -> ComposeResult:
        yield Label(Text(self.title_text), classes="panel-title")
        yield TextArea(self.text, language="json", read_only=True, id="full-result")
        yield Footer()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.text)
        self.notify(f"copied {len(self.text):,} characters")


class ConnectionScreen(ModalScreen[str | None]):
    """The named connections of dbsage.toml; the chosen name is the result."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, names: list[str], current: str | None) -> None:
        super().__init__()
        self.names, self.current = names, current

    def compose(self) -> ComposeResult:
        with Vertical(id="connections"):
            yield Label("Switch to a connection from dbsage.toml", classes="panel-title")
            if self.names:
                yield OptionList(*(Option(f"{n}{'  (current)' if n == self.current else ''}", id=n)
                                   for n in self.names))
            else:
                yield Static("No named connections: add them under [connections] in dbsage.toml.")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
