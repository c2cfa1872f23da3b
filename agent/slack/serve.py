"""How the bot meets Slack: Socket Mode (an outgoing websocket, no public URL: the default) or HTTP events on a port.

HTTP mode serves bolt's WSGI adapter from a threading WSGI server (the standard library's): POST /slack/events for
events and interactivity, signatures and timestamps checked by bolt, replays by app.ReplayGuard.
"""

from __future__ import annotations

import logging
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from dbsage.agent.slack.app import Bot

log = logging.getLogger("dbsage.slack")
EVENTS_PATH = "/slack/events"


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the standard library's name
        log.debug("http: " + format, *args)


def http_server(bot: Bot, host: str, port: int) -> WSGIServer:
    """A WSGI server for the bot on host:port (port 0: any free one; see `server.server_port`). Call
    `serve_forever()` on it; `shutdown()` from another thread stops it."""
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    return make_server(host, port, SlackRequestHandler(bot.app, path=EVENTS_PATH),
                       server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)


def socket_mode(bot: Bot, app_token: str) -> Any:
    """A Socket Mode handler for the bot (`connect()` to start in the background, `start()` to block, `close()`).
    It asks apps.connections.open (through the bot's Web API client, so DBSAGE_SLACK_API_URL applies) for the
    websocket URL."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    return SocketModeHandler(bot.app, app_token=app_token, web_client=bot.app.client)
