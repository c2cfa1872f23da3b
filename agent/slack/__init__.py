"""`dbsage slack`: the team's DBA in Slack threads, on slack-bolt; one Slack thread is one conversation.

Map: `settings.py` ([slack] in dbsage.toml: approvers, channel → connection, rate; tokens from the environment),
`app.py` (the bolt app: mentions, direct messages, follow-ups, card clicks; the replay guard), `threads.py` (thread →
conversation, the per-user rate limit, messages already handled), `turn.py` (one question: the working message,
the answer, proposal cards, a long answer's file), `blocks.py` (Block Kit for each message), `text.py` (Slack text
↔ questions and answers: mentions, connection strings, mrkdwn, citations, redaction), `approvals.py` (Approve /
Reject: who may, the store's step, the card redrawn), `serve.py` (Socket Mode, or HTTP on a port).

Which database a channel talks to is configuration ([slack.channels]), never chat; only the configured approvers
decide proposals; nothing is ever applied from Slack. slack_bolt / slack_sdk are imported only when the bot starts.

To handle a new kind of Slack event: a listener in `app._listen` that hands the work to a function of its own
module; post with builders from `blocks.py`, every string through `text.safe()`.
"""

from __future__ import annotations

import signal
import threading
from typing import Any


def run_slack(*, http: bool = False, host: str = "0.0.0.0", port: int = 3000, use_model: bool = True,
              announce: Any = print) -> None:
    """Run the bot until interrupted: Socket Mode by default, HTTP events on host:port with `http`."""
    from dbsage.agent.slack.app import build
    from dbsage.agent.slack.serve import http_server, socket_mode
    from dbsage.agent.slack.settings import api_url, env_secret, load_settings

    settings = load_settings()
    bot_token = env_secret("SLACK_BOT_TOKEN", "the bot token, xoxb-…")
    if http:
        secret = env_secret("SLACK_SIGNING_SECRET", "HTTP mode verifies every request with it")
        bot = build(settings, bot_token=bot_token, signing_secret=secret, base_url=api_url(), use_model=use_model)
        server = http_server(bot, host, port)
        announce(f"dbsage slack: HTTP events on http://{host}:{server.server_port}/slack/events "
                 f"({len(settings.channels)} channel(s) mapped, {len(settings.approvers)} approver(s))")
        try:
            server.serve_forever()
        finally:
            server.server_close()
            bot.close()
        return
    app_token = env_secret("SLACK_APP_TOKEN", "Socket Mode connects with the app-level token, xapp-…")
    bot = build(settings, bot_token=bot_token, base_url=api_url(), use_model=use_model)
    handler = socket_mode(bot, app_token)
    announce(f"dbsage slack: Socket Mode ({len(settings.channels)} channel(s) mapped, "
             f"{len(settings.approvers)} approver(s)); Ctrl-C stops")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        handler.connect()
        stop.wait()
    finally:
        handler.close()
        bot.close()
