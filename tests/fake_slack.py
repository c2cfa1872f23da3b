"""A stand-in for Slack in tests: a real HTTP server speaking the Web API methods dbsage calls (recording each call),
a websocket server for Socket Mode, and signed requests as Slack sends them to an HTTP app.

- `FakeSlack`: POST /api/<method> answers like Slack (auth.test, chat.postMessage/update/postEphemeral, the
  files upload v2 steps, usergroups.users.list, apps.connections.open …) and records (method, arguments); the
  upload URL it hands out receives the file's bytes. `wait_for(predicate)` polls the record.
- `signed_post(url, body, secret)`: an HTTP POST with X-Slack-Signature / X-Slack-Request-Timestamp computed from the
  signing secret, as Slack signs its requests; `event_body` and `click_body` build the payloads.
- `SocketModeServer`: a websocket server that sends Socket Mode envelopes and records the acknowledgements.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode

BOT_USER = "UBOT0DBSAGE"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    reply: dict[str, Any] = field(default_factory=dict)

    @property
    def ts(self) -> str:
        """The ts Slack gave the message this call posted (chat.postMessage) or updated."""
        return str(self.reply.get("ts", ""))

    def blocks(self) -> list[dict[str, Any]]:
        value = self.args.get("blocks") or []
        return json.loads(value) if isinstance(value, str) else value

    def block_text(self) -> str:
        """Every text in the call's blocks, joined: what a person would read."""
        return "\n".join(_texts(self.blocks()))


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if isinstance(node.get("text"), str) else []
        return own + [t for key, value in node.items() if key != "text" or not isinstance(value, str)
                      for t in _texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


@dataclass
class FakeSlack:
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    socket_url: str = ""
    calls: list[Call] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: Any = field(default_factory=lambda: itertools.count(1))
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_port}/api/"

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the standard library's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/upload/"):
                    fake.uploads[self.path.rsplit("/", 1)[1]] = body
                    self._reply(200, b"OK")
                    return
                method = self.path.split("?")[0].removeprefix("/api/")
                args = _arguments(self.headers.get("Content-Type", ""), body, self.path)
                self._reply(200, json.dumps(fake.answer(method, args)).encode())

            def _reply(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            ts = f"1700000000.{next(self._ts):06d}"
        reply = self._reply(method, args, ts)
        with self._lock:
            self.calls.append(Call(method, args, reply))
        return reply

    def _reply(self, method: str, args: dict[str, Any], ts: str) -> dict[str, Any]:
        channel = args.get("channel") or args.get("channel_id")
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": "BDBSAGE", "team_id": "T0TEAM", "user": "dbsage",
                    "team": "test", "url": "https://test.slack.com/"}
        if method in ("chat.postMessage", "chat.update"):
            return {"ok": True, "channel": channel, "ts": args.get("ts") or ts}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "files.getUploadURLExternal":
            file_id = f"F{ts.replace('.', '')}"
            return {"ok": True, "file_id": file_id, "upload_url": self.url.replace("/api/", f"/upload/{file_id}")}
        if method == "files.completeUploadExternal":
            files = args.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        if method == "usergroups.users.list":
            return {"ok": True, "users": self.usergroups.get(str(args.get("usergroup")), [])}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        return {"ok": True}

    def of(self, method: str, channel: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method
                    and (channel is None or channel in (c.args.get("channel"), c.args.get("channel_id")))]

    def wait_for(self, condition: Callable[[], Any], timeout_s: float = 30.0, what: str = "") -> Any:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = condition()
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what or condition}; calls: "
                             f"{[(c.method, c.args.get('text')) for c in self.calls]}")


def _arguments(content_type: str, body: bytes, path: str) -> dict[str, Any]:
    args: dict[str, Any] = {k: v[0] for k, v in parse_qs(path.partition("?")[2]).items()}
    if "json" in content_type and body:
        args.update(json.loads(body))
    elif body:
        args.update({k: v[0] for k, v in parse_qs(body.decode()).items()})
    return args


# -- signed requests, as Slack sends them ---------------------------------------------------------------------------


def signature(secret: str, timestamp: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


def signed_post(url: str, body: str, secret: str, *, timestamp: int | None = None, content_type: str =
                "application/json", headers: dict[str, str] | None = None) -> tuple[int, str]:
    """POST `body` signed with `secret` (a wrong secret makes a bad signature); returns (status, response body)."""
    ts = str(timestamp if timestamp is not None else int(time.time()))
    all_headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
                   "X-Slack-Signature": signature(secret, ts, body), **(headers or {})}
    return raw_post(url, body, all_headers)


def raw_post(url: str, body: str, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


_event_ids = itertools.count(1)


def event_body(event: dict[str, Any]) -> str:
    """An Events API callback around `event` (app_mention, message …)."""
    return json.dumps({"token": "legacy", "team_id": "T0TEAM", "api_app_id": "A0DBSAGE", "type": "event_callback",
                       "event_id": f"Ev{next(_event_ids):08d}", "event_time": int(time.time()), "event": event,
                       "authorizations": [{"team_id": "T0TEAM", "user_id": BOT_USER, "is_bot": True}]})


def mention(channel: str, user: str, text: str, ts: str, thread_ts: str | None = None) -> dict[str, Any]:
    event = {"type": "app_mention", "channel": channel, "user": user, "text": f"<@{BOT_USER}> {text}", "ts": ts,
             "event_ts": ts, "team": "T0TEAM"}
    return event | ({"thread_ts": thread_ts} if thread_ts else {})


def message(channel: str, user: str, text: str, ts: str, thread_ts: str | None = None,
            channel_type: str = "channel") -> dict[str, Any]:
    event = {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts, "event_ts": ts,
             "channel_type": channel_type, "team": "T0TEAM"}
    return event | ({"thread_ts": thread_ts} if thread_ts else {})


def click_body(action_id: str, value: str, *, user: str, name: str, channel: str, message_ts: str,
               thread_ts: str | None = None) -> str:
    """An interactivity request for a button click, form-encoded as Slack sends it."""
    payload = {"type": "block_actions", "user": {"id": user, "username": name, "name": name, "team_id": "T0TEAM"},
               "api_app_id": "A0DBSAGE", "token": "legacy", "trigger_id": "1.2.3",
               "team": {"id": "T0TEAM", "domain": "test"}, "channel": {"id": channel, "name": "db"},
               "container": {"type": "message", "message_ts": message_ts, "channel_id": channel,
                             "is_ephemeral": False},
               "message": {"type": "message", "ts": message_ts, "thread_ts": thread_ts or message_ts},
               "actions": [{"action_id": action_id, "block_id": f"proposal-{value}", "value": value,
                            "type": "button", "action_ts": str(time.time())}]}
    return urlencode({"payload": json.dumps(payload)})


# -- Socket Mode ----------------------------------------------------------------------------------------------------


class SocketModeServer:
    """A websocket server standing in for Slack's Socket Mode endpoint: it greets the client as Slack does ("hello"),
    sends the envelopes queued with `send`, and records every acknowledgement (envelope ids)."""

    def __init__(self) -> None:
        from websockets.sync.server import serve

        self.acks: list[str] = []
        self.connected = threading.Event()
        self._outbox: list[str] = []
        self._lock = threading.Lock()
        self._server = serve(self._handle, "127.0.0.1", 0)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link"

    def _handle(self, connection: Any) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1,
                                    "debug_info": {"host": "fake", "approximate_connection_time": 3600}}))
        self.connected.set()
        while True:
            with self._lock:
                pending, self._outbox = self._outbox, []
            for envelope in pending:
                connection.send(envelope)
            try:
                raw = connection.recv(timeout=0.05)
            except TimeoutError:
                continue
            except Exception:
                return
            reply = json.loads(raw)
            if "envelope_id" in reply:
                with self._lock:
                    self.acks.append(reply["envelope_id"])

    def send_event(self, envelope_id: str, body: str) -> None:
        envelope = {"envelope_id": envelope_id, "type": "events_api", "accepts_response_payload": False,
                    "retry_attempt": 0, "retry_reason": "", "payload": json.loads(body)}
        with self._lock:
            self._outbox.append(json.dumps(envelope))

    def stop(self) -> None:
        self._server.shutdown()
