"""ChatApp: the conversation on the left, the schema and the pending proposals on the right, the prompt below.

Everything slow (connecting, loading the model client, a turn, a tool call) runs on a worker thread; the session's
events come back as messages, so the screen paints at once and stays responsive. Escape cancels a running turn.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, ListView, Markdown, Static, Tree

from dbsage.agent.proposals import ProposalStore
from dbsage.agent.session import (
    Event,
    ProposalFiled,
    Session,
    TextDelta,
    ToolFinished,
    ToolStarted,
    TurnDone,
    TurnError,
    TurnWarning,
)
from dbsage.agent.toolkit.context import ToolContext
from dbsage.agent.toolkit.registry import ToolOutcome
from dbsage.agent.tui import slash
from dbsage.agent.tui.screens import ConnectionScreen, ProposalScreen, ResultScreen
from dbsage.agent.tui.widgets import (
    Note,
    PromptInput,
    ProposalItem,
    ProposalsChanged,
    QuestionView,
    SidePanel,
    StatusHeader,
    ToolBlock,
    full_result_text,
)
from dbsage.tools.errors import DbsageError
from dbsage.tools.targets import Target

_SQL_BLOCK = re.compile(r"```sql\s*\n(.*?)```", re.S | re.I)
ROUTER_NOTE = ("No model is configured, so the plain router answers: it recognises common questions and runs the "
               "tools directly. Set DBSAGE_MODEL and OPENAI_API_KEY (or OPENAI_BASE_URL for a local server) to make "
               "the chat conversational. Slash commands (/help) work either way.")


class SessionEvent(Message):
    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class Connected(Message):
    def __init__(self, ctx: ToolContext, session: Session | None, error: DbsageError | None) -> None:
        super().__init__()
        self.ctx, self.session, self.error = ctx, session, error


class ServerKnown(Message):
    def __init__(self, server: str, login: str, read_only: bool | None, warning: str | None,
                 error: DbsageError | None = None) -> None:
        super().__init__()
        self.server, self.login, self.read_only, self.warning, self.error = server, login, read_only, warning, error


class SchemaLoaded(Message):
    def __init__(self, document: dict[str, Any] | None, error: str | None) -> None:
        super().__init__()
        self.document, self.error = document, error


class ColumnsLoaded(Message):
    def __init__(self, node: Any, document: dict[str, Any] | None) -> None:
        super().__init__()
        self.node, self.document = node, document


class SlashDone(Message):
    def __init__(self, block: ToolBlock, outcome: ToolOutcome) -> None:
        super().__init__()
        self.block, self.outcome = block, outcome


class KbDone(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


@dataclass
class TurnView:
    """The widgets of the turn on screen: tool blocks waiting for their result, the answer being written."""

    blocks: list[ToolBlock] = field(default_factory=list)
    answer: Markdown | None = None
    text: str = ""


class ChatApp(App[None]):
    TITLE = "dbsage chat"
    CSS = """
    #status { height: 1; background: $panel; }
    #banner { height: auto; background: $error 30%; color: $text; padding: 0 1; display: none; }
    #banner.shown { display: block; }
    #main { height: 1fr; }
    #conversation { width: 1fr; padding: 0 1; }
    SidePanel { width: 38; border-left: solid $primary-darken-2; padding: 0 1; }
    SidePanel.hidden { display: none; }
    #schema { height: 2fr; }
    #proposals { height: 1fr; min-height: 3; }
    .panel-title { text-style: bold; color: $accent; margin-top: 1; }
    QuestionView { margin-top: 1; text-style: bold; color: $accent; }
    Note { margin: 0 0 0 2; }
    Note.info { color: $text-muted; }
    Note.warning { color: $warning; }
    Note.error { color: $error; border-left: thick $error; padding-left: 1; }
    ToolBlock { margin: 0 0 0 2; padding: 0; border: none; }
    ToolBlock.failed CollapsibleTitle { color: $error; }
    ToolBlock Contents { padding: 0 0 0 2; }
    .tool-sql MarkdownFence { margin: 0; }
    .tool-sql MarkdownFence > * { padding: 0 1; }
    .tool-evidence { margin: 0 0 1 0; }
    Markdown.answer { margin: 0 0 0 2; }
    #prompt { margin: 0 1; }
    #confirm, #connections { width: 70; height: auto; padding: 1 2; background: $panel; border: thick $warning; }
    ConfirmScreen, ConnectionScreen { align: center middle; }
    .buttons { height: auto; margin-top: 1; }
    .buttons Button { margin-right: 2; }
    #proposal-body { height: 1fr; padding: 0 2; }
    #full-result { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel_turn", "cancel turn"),
        Binding("f1", "help", "help"),
        Binding("f2", "toggle_panel", "side panel"),
        Binding("f3", "focus_proposals", "proposals"),
        Binding("f4", "switch_connection", "connections"),
        Binding("f6", "copy_answer", "copy answer"),
        Binding("f7", "copy_sql", "copy SQL"),
        Binding("f8", "toggle_theme", "light/dark"),
        Binding("ctrl+q", "quit", "quit", priority=True),
    ]

    def __init__(self, target: Target, *, resume: str | None = None, use_model: bool = True,
                 chat_model: Any = None, store: ProposalStore | None = None) -> None:
        super().__init__()
        self.target = target
        self.resume = resume
        self.use_model = use_model
        self.chat_model = chat_model  # a test's scripted model; None: the configured one, or the router
        self.store = store or ProposalStore()
        self.ctx: ToolContext | None = None
        self.database = ""
        self.server: tuple[str, str, bool | None] = ("…", "…", None)
        self.session: Session | None = None
        self.turn: TurnView | None = None
        self.last_answer = ""
        self.last_sql = ""
        self.busy = False
        self.theme = "textual-dark"

    # -- layout --------------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusHeader(id="status")
        yield Static(id="banner")
        with Horizontal(id="main"):
            yield VerticalScroll(id="conversation")
            yield SidePanel()
        yield PromptInput(placeholder="Ask about the database, or /help", id="prompt")
        yield Footer()

    def on_mount(self) -> None:
        self._header()
        self.query_one("#prompt").focus()
        self._say(f"Connecting to {self.target.name or self.target.display}…")
        self._load_proposals()
        self._connect(self.target)

    def _header(self) -> None:
        session = self.session
        model = session.model if session else (None if not self.use_model else "…")
        server, login, read_only = self.server
        # a DSN already names its database; a connection name does not
        database = self.database if self.target.name else ""
        self.query_one(StatusHeader).show(connection=self.target.name or self.target.display, database=database,
                                          server=server, login=login, model=model, read_only=read_only)

    # -- connecting ----------------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="connect")
    def _connect(self, target: Target) -> None:
        ctx = ToolContext(target, origin="chat")
        try:
            session = Session.start(ctx, front_end="chat", use_model=self.use_model, chat_model=self.chat_model,
                                    resume=self.resume)
        except DbsageError as error:
            self.post_message(Connected(ctx, None, error))
            return
        self.post_message(Connected(ctx, session, None))
        self._describe_server(ctx)
        outcome = session.run_tool("list_objects", {}) if not session.busy else None
        if outcome is not None:
            self.post_message(SchemaLoaded(outcome.result if outcome.ok else None, outcome.error))

    def _describe_server(self, ctx: ToolContext) -> None:
        try:
            report = ctx.engine.server_report()
        except DbsageError as error:
            self.post_message(ServerKnown("not connected", "", None, None, error))
            return
        login = report.login
        read_only = None if login is None or login.can_write is None else not (login.can_write or login.superuser)
        who = login.user if login else "?"
        state = "read-only ✓" if read_only else "CAN WRITE" if read_only is False else "read-only: unknown"
        warning = None
        if read_only is False:
            reasons = "superuser" if login and login.superuser else ", ".join(login.write_privileges[:2]) \
                if login and login.write_privileges else "write privileges"
            warning = (f"⚠ The login {who} can change this database ({reasons}). dbsage stays read-only by its "
                       "guard, but prefer a read-only role: `dbsage doctor` prints one.")
        version = report.version.split(" (")[0]  # a version string's build details, "(Debian …)", are noise here
        server = version if report.engine.lower()[:5] in version.lower() else f"{report.engine} {version}"
        self.post_message(ServerKnown(server[:40], f"{who} · {state}", read_only, warning))

    def on_connected(self, message: Connected) -> None:
        self.ctx = message.ctx
        if message.error is not None:
            self._error(message.error.message, message.error.hint)
            return
        self.session = message.session
        self._header()
        if self.session and self.session.exchanges:
            self._replay(self.session)
        if self.session and self.session.mode == "router":
            self._say(ROUTER_NOTE)
        self._say("Ready. Ask a question, or type /help.")

    def on_server_known(self, message: ServerKnown) -> None:
        self.server = (message.server, message.login, message.read_only)
        self._header()
        if message.error is not None:
            self._error(f"not connected: {message.error.message}",
                        f"{message.error.hint or 'check the target'}; or switch connections with F4")
        banner = self.query_one("#banner", Static)
        banner.update(message.warning or "")
        banner.set_class(message.warning is not None, "shown")

    def on_schema_loaded(self, message: SchemaLoaded) -> None:
        self.query_one(SidePanel).show_objects(message.document, message.error)
        if message.document:
            self.database = str(message.document.get("database", ""))
            self._header()

    def _replay(self, session: Session) -> None:
        conversation = self.query_one("#conversation")
        self._say(f"Resumed conversation {session.conversation_id} ({len(session.exchanges)} earlier exchanges).")
        prompt = self.query_one(PromptInput)
        for exchange in session.exchanges:
            conversation.mount(QuestionView(exchange.question))
            for line in exchange.tools:
                conversation.mount(Note(f"tool: {line}"))
            conversation.mount(Markdown(exchange.answer, classes="answer"))
            prompt.remember(exchange.question)
            self.last_answer = exchange.answer

    # -- asking --------------------------------------------------------------------------------------------------

    @on(PromptInput.Submitted, "#prompt")
    def _submitted(self, event: PromptInput.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        prompt = self.query_one(PromptInput)
        if self.busy:
            self.notify("a turn is still running: press Escape to cancel it", severity="warning")
            return
        prompt.remember(text)
        prompt.value = ""
        if text.startswith("/"):
            self._slash(text)
        elif self.session is None:
            self._error("not connected yet", "wait for the connection, or switch connections with F4")
        else:
            self._ask(text)

    def _ask(self, question: str) -> None:
        self._mount(QuestionView(question))
        self.turn = TurnView()
        self._set_busy(True)
        self._run_turn(question)

    @work(thread=True, group="turn")
    def _run_turn(self, question: str) -> None:
        assert self.session is not None
        try:
            for event in self.session.stream(question):
                self.post_message(SessionEvent(event))
        except DbsageError as error:
            self.post_message(SessionEvent(TurnError.of(error)))
            self.post_message(SessionEvent(TurnDone()))

    async def on_session_event(self, message: SessionEvent) -> None:
        event, turn = message.event, self.turn or TurnView()
        if isinstance(event, TextDelta):
            await self._write(turn, event.text)
        elif isinstance(event, ToolStarted):
            turn.answer = None  # text written before a tool call stays where it was; what follows goes below
            block = ToolBlock(event.tool, event.arguments)
            turn.blocks.append(block)
            self._mount(block)
        elif isinstance(event, ToolFinished):
            self._finish_block(turn, event.outcome)
        elif isinstance(event, ProposalFiled):
            p = event.proposal
            self._say(f"Proposal #{p.id} filed ({p.status}): {p.title}. Open it from the side panel (F3) to approve "
                      "or reject it.", "warning")
            self._load_proposals()
        elif isinstance(event, TurnWarning):
            self._say(event.message, "warning")
        elif isinstance(event, TurnError):
            self._error(event.message, event.hint)
        elif isinstance(event, TurnDone):
            await self._done(turn, event)

    async def _write(self, turn: TurnView, text: str) -> None:
        if turn.answer is None:  # the first piece: mounted with its text, awaited, so later pieces append to it
            turn.answer, turn.text = Markdown(text, classes="answer"), text
            await self.query_one("#conversation").mount(turn.answer)
        else:
            turn.text += text
            await turn.answer.append(text)
        self._scroll_end()

    def _finish_block(self, turn: TurnView, outcome: ToolOutcome) -> None:
        block = next((b for b in turn.blocks if b.outcome is None and b.tool == outcome.tool), None)
        if block is None:
            block = ToolBlock(outcome.tool, outcome.arguments)
            turn.blocks.append(block)
            self._mount(block)
        block.finish(outcome)
        if isinstance(outcome.arguments.get("sql"), str):
            self.last_sql = outcome.arguments["sql"]

    async def _done(self, turn: TurnView, event: TurnDone) -> None:
        self._set_busy(False)
        self.turn = None
        if event.cancelled:
            self._say("Cancelled. The conversation is as it was before this question.", "warning")
            return
        if event.answer is None:
            return
        text = event.answer.answer
        if event.answer.mode == "router":  # plain-text summaries: keep their line breaks in markdown
            text = "\n".join(line if line.startswith("#") else f"{line}  " for line in text.splitlines())
        if turn.answer is None:
            turn.answer = Markdown(text, classes="answer")
            await self.query_one("#conversation").mount(turn.answer)
        elif turn.text != text:  # what streamed may include text written before tool calls: show the answer
            await turn.answer.update(text)
        self.last_answer = event.answer.answer
        found = _SQL_BLOCK.findall(text)
        if found:
            self.last_sql = found[-1].strip()
        self._scroll_end()

    # -- slash commands ------------------------------------------------------------------------------------------

    def _slash(self, line: str) -> None:
        self._mount(QuestionView(line))
        try:
            parsed = slash.parse(line)
        except DbsageError as error:
            self._error(error.message, error.hint)
            return
        if parsed.builtin == "help":
            self.action_help()
        elif parsed.builtin == "kb":
            self._set_busy(True)
            self._run_kb(parsed.text)
        elif self.session is None:
            self._error("not connected yet", "wait for the connection, or switch connections with F4")
        elif parsed.tool is not None:
            block = ToolBlock(parsed.tool, parsed.arguments or {}, collapsed=False)
            self._mount(block)
            self._set_busy(True)
            self._run_slash(block, parsed.tool, parsed.arguments or {})

    @work(thread=True, group="turn")
    def _run_slash(self, block: ToolBlock, tool: str, arguments: dict[str, Any]) -> None:
        assert self.session is not None
        self.post_message(SlashDone(block, self.session.run_tool(tool, arguments)))

    @work(thread=True, group="turn")
    def _run_kb(self, text: str) -> None:
        try:  # the first search loads the index (a second or two): off the screen's thread
            found = slash.knowledge_search(text, engine=self.target.engine)
        except DbsageError as error:
            found = f"**Knowledge base:** {error.message}" + (f" — {error.hint}" if error.hint else "")
        self.post_message(KbDone(found))

    async def on_kb_done(self, message: KbDone) -> None:
        self._set_busy(False)
        await self.query_one("#conversation").mount(Markdown(message.text, classes="answer"))
        self.last_answer = message.text
        self._scroll_end()

    def on_slash_done(self, message: SlashDone) -> None:
        self._set_busy(False)
        message.block.finish(message.outcome)
        if isinstance(message.outcome.arguments.get("sql"), str):
            self.last_sql = message.outcome.arguments["sql"]
        self.last_answer = message.outcome.summary or message.outcome.error or ""
        if message.outcome.proposals:
            self._load_proposals()
        self._scroll_end()

    # -- proposals and the schema tree ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="proposals")
    def _load_proposals(self) -> None:
        pending = [(p.id, f"⚠ DESTRUCTIVE · {p.title}" if p.destructive else p.title)
                   for p in self.store.list("pending")]
        self.call_from_thread(self.query_one(SidePanel).show_proposals, pending)

    def on_proposals_changed(self, message: ProposalsChanged) -> None:
        self._load_proposals()

    @on(ListView.Selected, "#proposals")
    def _open_proposal(self, event: ListView.Selected) -> None:
        if isinstance(event.item, ProposalItem):
            self.push_screen(ProposalScreen(self.store, event.item.proposal_id))

    @on(Tree.NodeExpanded, "#schema")
    def _expand_table(self, event: Tree.NodeExpanded[dict[str, Any]]) -> None:
        if event.node.data and not event.node.children and self.ctx is not None:
            self._load_columns(event.node)

    @work(thread=True, group="schema")
    def _load_columns(self, node: Any) -> None:
        if self.session is None or self.session.busy:
            return
        outcome = self.session.run_tool("describe_object", {"name": node.data["name"]})
        self.post_message(ColumnsLoaded(node, outcome.result if outcome.ok else None))

    def on_columns_loaded(self, message: ColumnsLoaded) -> None:
        if message.document is not None:
            self.query_one(SidePanel).show_columns(message.node, message.document)

    @on(ToolBlock.ShowFull)
    def _show_full(self, message: ToolBlock.ShowFull) -> None:
        outcome = message.outcome
        self.push_screen(ResultScreen(f"{outcome.tool} — full result ({outcome.handle})", full_result_text(outcome)))

    # -- actions -------------------------------------------------------------------------------------------------

    def action_cancel_turn(self) -> None:
        if self.session is not None and self.busy and self.session.cancel():
            self._say("Cancelling…", "warning")

    def action_help(self) -> None:
        keys = [(b.key, b.description) for b in self.BINDINGS if isinstance(b, Binding)]
        keys += [("up / down", "earlier questions"), ("tab", "next pane"), ("ctrl+p", "command palette")]
        self._mount(Markdown(slash.help_markdown(keys), classes="answer"))

    def action_toggle_panel(self) -> None:
        self.query_one(SidePanel).toggle_class("hidden")

    def action_focus_proposals(self) -> None:
        self.query_one(SidePanel).remove_class("hidden")
        listing = self.query_one("#proposals", ListView)
        listing.focus()
        if listing.index is None and listing.children:
            listing.index = 0  # Enter opens the first one at once

    def action_copy_answer(self) -> None:
        self._copy(self.last_answer, "answer")

    def action_copy_sql(self) -> None:
        self._copy(self.last_sql, "SQL")

    def _copy(self, text: str, what: str) -> None:
        if not text:
            self.notify(f"no {what} to copy yet", severity="warning")
            return
        self.copy_to_clipboard(text)
        self.notify(f"copied the {what} ({len(text):,} characters)")

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def action_switch_connection(self) -> None:
        from dbsage.tools.targets import load_config

        try:
            config, _path = load_config()
        except DbsageError as error:
            self._error(error.message, error.hint)
            return
        connections = config.get("connections", {})
        names = sorted(connections) if isinstance(connections, dict) else []
        self.push_screen(ConnectionScreen(names, self.target.name), self._switch)

    def _switch(self, name: str | None) -> None:
        if not name or name == self.target.name:
            return
        from dbsage.tools.targets import resolve

        try:
            target = resolve(name)
        except DbsageError as error:
            self._error(error.message, error.hint)
            return
        if self.session is not None:
            self.session.cancel()
        old, self.ctx, self.session, self.target, self.resume = self.ctx, None, None, target, None
        self.database, self.server = "", ("…", "…", None)
        if old is not None:
            self._close(old)
        self.query_one("#conversation").remove_children()
        self._set_busy(False)
        self._header()
        self._say(f"Switched to {name}: a new conversation. Connecting…")
        self._connect(target)

    @work(thread=True)
    def _close(self, ctx: ToolContext) -> None:
        ctx.close()

    def get_system_commands(self, screen: Screen[Any]) -> Iterator[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Switch connection", "talk to another database from dbsage.toml",
                            self.action_switch_connection)
        yield SystemCommand("Copy answer", "copy the last answer to the clipboard", self.action_copy_answer)
        yield SystemCommand("Copy SQL", "copy the last SQL statement to the clipboard", self.action_copy_sql)
        yield SystemCommand("Pending proposals", "review and decide proposals", self.action_focus_proposals)
        yield SystemCommand("Toggle light/dark", "switch between the light and dark theme", self.action_toggle_theme)
        yield SystemCommand("Cancel turn", "stop the running question and its query", self.action_cancel_turn)
        yield SystemCommand("Help", "slash commands and keys", self.action_help)

    async def action_quit(self) -> None:
        if self.session is not None:
            self.session.cancel()
        if self.ctx is not None:
            self.ctx.close()
        self.exit()

    # -- small helpers -------------------------------------------------------------------------------------------

    def _mount(self, widget: Any) -> None:
        self.query_one("#conversation").mount(widget)
        self._scroll_end()

    def _scroll_end(self) -> None:
        conversation = self.query_one("#conversation", VerticalScroll)
        self.call_after_refresh(conversation.scroll_end, animate=False)  # after the new widget has its height

    def _say(self, text: str, kind: str = "info") -> None:
        self._mount(Note(text, kind))

    def _error(self, message: str, hint: str | None) -> None:
        self._mount(Note(f"{message}\n→ {hint}" if hint else message, "error"))

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        prompt = self.query_one(PromptInput)
        prompt.placeholder = "working… (Escape cancels)" if busy else "Ask about the database, or /help"
