"""The bolt app: which Slack events and clicks reach dbsage, and what it does with each.

- `app_mention` (a channel) and `message` (a direct message, or a follow-up in a thread the bot is in) → a question
  in that thread's conversation (slack/threads.py), answered by slack/turn.py.
- Approve / Reject clicks on a proposal card → slack/approvals.py.
- HTTP mode: bolt verifies every request's signature and timestamp (older than five minutes → 401); on top, a
  request seen before (same timestamp and signature) is refused as a replay.
Listeners run on bolt's thread pool after the request is acknowledged, so several threads are answered at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient

from dbsage.agent.proposals.store import ProposalStore
from dbsage.agent.session import Session
from dbsage.agent.slack import blocks
from dbsage.agent.slack.approvals import Approvers, on_click
from dbsage.agent.slack.settings import SlackSettings
from dbsage.agent.slack.text import question_from, safe
from dbsage.agent.slack.threads import RateLimit, Seen, ThreadMap, Threads
from dbsage.agent.slack.turn import ThreadTurn
from dbsage.agent.toolkit.context import ToolContext
from dbsage.tools.errors import DbsageError
from dbsage.tools.state import state_dir

log = logging.getLogger("dbsage.slack")
REPLAY_WINDOW_S = 5 * 60  # bolt refuses older timestamps itself
NOT_MAPPED = ("This channel is not connected to a database, so I cannot answer here. Which database a channel talks "
              "to is set by whoever runs dbsage, never in chat: add `{channel} = \"<connection name>\"` under "
              "[slack.channels] in dbsage.toml (a name from [connections]) and restart `dbsage slack`.")
NOT_MAPPED_DM = ("Direct messages are not connected to a database. Whoever runs dbsage can set "
                 "`direct_messages = \"<connection name>\"` under [slack] in dbsage.toml; or ask in a channel that "
                 "is connected.")
DSN_IGNORED = ("I ignored the connection string in your message: which database this thread talks to is "
               "configuration, not chat. This channel uses `{connection}` (dbsage.toml, [slack.channels]). If it held "
               "a password, delete your message and change that password.")


class ReplayGuard:
    """Refuses an HTTP request whose (timestamp, signature) was already accepted within the replay window."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._seen: dict[tuple[str, str], float] = {}
        self._clock = clock
        self._lock = threading.Lock()

    def __call__(self, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        if req.mode != "http":
            return next()
        key = (_header(req, "x-slack-request-timestamp"), _header(req, "x-slack-signature"))
        now = self._clock()
        with self._lock:
            for old in [k for k, at in self._seen.items() if now - at > REPLAY_WINDOW_S]:
                del self._seen[old]
            if key in self._seen:
                log.warning("refused a replayed request (timestamp %s)", key[0])
                return BoltResponse(status=401, body='{"error": "replayed request"}')
            self._seen[key] = now
        return next()


def _header(req: BoltRequest, name: str) -> str:
    values = req.headers.get(name) or []
    return values[0] if values else ""


@dataclass
class Bot:
    """The running bot: the bolt app and what it keeps between events."""

    app: App
    settings: SlackSettings
    store: ProposalStore
    threads: Threads
    rate: RateLimit
    approvers: Approvers
    seen: Seen

    def close(self) -> None:
        self.threads.close()


def build(settings: SlackSettings, *, bot_token: str, signing_secret: str | None = None,
          base_url: str | None = None, store: ProposalStore | None = None, use_model: bool = True,
          chat_model: Callable[[], Any] | None = None, workers: int = 16) -> Bot:
    """The bolt app for `settings`. `chat_model` makes a model per conversation (a test's scripted one); without it
    the configured model answers, else the plain router. `signing_secret` is for HTTP mode (None: Socket Mode)."""
    client = WebClient(token=bot_token, base_url=base_url) if base_url else WebClient(token=bot_token)
    app = App(client=client, signing_secret=signing_secret,
              request_verification_enabled=signing_secret is not None,
              listener_executor=ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dbsage-slack"))
    app.use(ReplayGuard())
    store = store or ProposalStore()

    def open_session(connection: str, resume: str | None) -> Session:
        from dbsage.tools.targets import resolve

        ctx = ToolContext(resolve(connection), origin="slack")
        return Session.start(ctx, front_end="slack", use_model=use_model,
                             chat_model=chat_model() if chat_model else None, resume=resume)

    threads = Threads(open_session, saved=ThreadMap(state_dir() / "slack-threads.sqlite3"))
    bot = Bot(app, settings, store, threads, RateLimit(settings.questions_per_minute), Approvers(settings), Seen())
    _listen(bot)
    return bot


def _listen(bot: Bot) -> None:
    app = bot.app

    @app.event("app_mention")
    def mention(event: dict[str, Any], client: WebClient) -> None:
        answer(bot, event, client)

    @app.event("message")
    def message(event: dict[str, Any], client: WebClient, context: dict[str, Any]) -> None:
        if event.get("subtype") or event.get("bot_id"):
            return  # edits, joins, other bots (and ourselves)
        direct = event.get("channel_type") == "im"
        in_known_thread = event.get("thread_ts") and bot.threads.get((event["channel"], event["thread_ts"]))
        mentions_us = context.get("bot_user_id") and f"<@{context['bot_user_id']}>" in event.get("text", "")
        if direct or (in_known_thread and not mentions_us):  # a mention in a channel comes as app_mention too
            answer(bot, event, client)

    @app.action(blocks.APPROVE)
    def approve(ack: Callable[[], None], body: dict[str, Any], client: WebClient) -> None:
        ack()
        on_click(body, client, bot.store, bot.approvers, "approved")

    @app.action(blocks.REJECT)
    def reject(ack: Callable[[], None], body: dict[str, Any], client: WebClient) -> None:
        ack()
        on_click(body, client, bot.store, bot.approvers, "rejected")

    @app.action(blocks.STOP)
    def stop(ack: Callable[[], None], body: dict[str, Any], client: WebClient) -> None:
        ack()
        stop_turn(bot, body, client)


def stop_turn(bot: Bot, body: dict[str, Any], client: WebClient) -> None:
    """The Stop button of a working message: the person who asked, or an approver, cancels the running turn (the
    model call and the statement on the server); anyone else is told they may not."""
    user = str((body.get("user") or {}).get("id", ""))
    channel, _, thread_ts = str((body.get("actions") or [{}])[0].get("value", "")).partition(" ")
    conversation = bot.threads.get((channel, thread_ts))
    session = conversation.session if conversation else None

    def tell(text: str) -> None:
        client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, text=text)

    if conversation is None or session is None or not session.busy:
        tell("Nothing is running in this thread.")
    elif user != conversation.asker and not bot.approvers.allowed(client, user):
        tell("Only the person who asked, or an approver, can stop this question.")
    elif session.cancel():
        tell("Stopping: the model call and the query on the server are being cancelled.")


def answer(bot: Bot, event: dict[str, Any], client: WebClient) -> None:
    """One message to the bot: checks (seen, rate, channel mapping, connection strings), then the turn."""
    channel, ts, user = event.get("channel", ""), event.get("ts", ""), event.get("user", "")
    if not channel or not ts or not bot.seen.first_time(channel, ts):
        return
    thread_ts = event.get("thread_ts") or ts

    def post(built: tuple[list[dict[str, Any]], str]) -> None:
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, blocks=built[0], text=built[1])

    wait = bot.rate.wait(user)
    if wait:
        client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts,
                                  text=f"You asked {bot.rate.per_minute} questions in the last minute, the most "
                                       f"allowed: ask again in {wait:.0f} s.")
        return
    connection = bot.settings.connection_for(channel, event.get("channel_type"))  # configuration, now
    if connection is None:
        direct = event.get("channel_type") == "im" or channel.startswith("D")
        post(blocks.notice(NOT_MAPPED_DM if direct else NOT_MAPPED.format(channel=channel)))
        return
    question, dropped = question_from(event.get("text", ""))
    if dropped:
        post(blocks.notice(DSN_IGNORED.format(connection=connection)))
    if not question:
        post(blocks.notice("Ask me about the database this channel talks to, e.g. \"what is slow?\" or \"why is "
                           "this query slow: SELECT …\"."))
        return
    conversation = bot.threads.conversation((channel, thread_ts), connection)
    with conversation.lock:  # a follow-up waits for the thread's running turn; other threads do not
        conversation.asker = user
        try:
            session = bot.threads.session_for(conversation)
        except DbsageError as error:
            post(blocks.error(f"cannot open the connection `{connection}`: {error.message}",
                              error.hint or "check [connections] in dbsage.toml"))
            return
        try:
            ThreadTurn(client, channel, thread_ts, connection, bot.store).run(session, question)
        except Exception as exc:  # Slack API failures: log them (safely); the next message starts afresh
            log.exception("answering in %s/%s failed: %s", channel, thread_ts, safe(str(exc))[:300])
