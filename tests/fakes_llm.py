"""Stand-ins for the LLM — the only part of dbsage the tests replace.

- `ScriptedChatModel`: langchain's FakeMessagesListChatModel with `bind_tools` (which it lacks) and a script whose
  steps may be functions of the messages the model received, so a test can prove that tool results reached it.
- `OpenAIStub`: a real HTTP server on 127.0.0.1 that speaks OpenAI's chat-completions API (tool calls, streaming
  and not, /v1/models) and can fail on cue (429, 500, a slow answer), for the real ChatOpenAI client path.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult

Step = AIMessage | Callable[[list[BaseMessage]], AIMessage]


def tool_call(name: str, args: dict[str, Any] | None = None, call_id: str | None = None) -> AIMessage:
    """An assistant message that calls one tool."""
    return AIMessage(content="", tool_calls=[{"name": name, "args": args or {}, "id": call_id or f"call_{name}",
                                              "type": "tool_call"}])


def tool_texts(messages: Sequence[BaseMessage]) -> list[str]:
    """The contents of every tool result a model received, in order."""
    return [str(m.content) for m in messages if isinstance(m, ToolMessage)]


def rows_answer(messages: list[BaseMessage]) -> AIMessage:
    """Quotes the row estimate from the last tool result: passes only if that result reached the model."""
    found = re.search(r"≈(\d+) rows", tool_texts(messages)[-1])
    return AIMessage(content=f"about {found[1] if found else 'UNKNOWN'} rows")


def same_tool_for_the_table_named(messages: list[BaseMessage]) -> AIMessage:
    """The follow-up names only a table; which tool answers it can only come from the earlier turn in the history."""
    earlier = [call for m in messages if isinstance(m, AIMessage) for call in m.tool_calls]
    table = re.search(r"the (\w+) table", str(messages[-1].content))
    if not earlier or table is None:
        return AIMessage(content="I do not know what you are referring to")
    return tool_call(earlier[0]["name"], {"name": table[1]}, "call_follow_up")


class ScriptedChatModel(FakeMessagesListChatModel):
    """Plays `script` step by step; a step that is a function gets the messages the model received."""

    script: list[Any]
    seen: list[list[BaseMessage]] = []
    bound_tools: list[str] = []

    def __init__(self, script: Sequence[Step], **kwargs: Any) -> None:
        super().__init__(responses=[AIMessage(content="")], script=list(script), seen=[], **kwargs)

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:
        self.bound_tools = [getattr(t, "name", None) or t.get("name") for t in tools]
        return self

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        self.seen.append(list(messages))
        if len(self.seen) > len(self.script):
            raise AssertionError(f"the script has {len(self.script)} steps; the model was called again")
        step = self.script[len(self.seen) - 1]
        message = step(messages) if callable(step) else step
        return ChatResult(generations=[ChatGeneration(message=message)])


# -- the OpenAI-compatible HTTP stub ---------------------------------------------------------------------------------


@dataclass
class Reply:
    """One scripted answer: text, tool calls, or an HTTP error; `delay_s` makes it slow (timeouts)."""

    content: str | None = None
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    status: int = 200
    delay_s: float = 0.0
    error_message: str = "scripted error"


Responder = Reply | Callable[[dict[str, Any]], Reply]


class OpenAIStub:
    """Serves scripted chat completions on 127.0.0.1; records every request (body and headers)."""

    def __init__(self, script: Sequence[Responder], model: str = "stub-model", api_key: str | None = None) -> None:
        self.script = list(script)
        self.model = model
        self.api_key = api_key
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> OpenAIStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def messages(self, request_index: int) -> list[dict[str, Any]]:
        return list(self.requests[request_index]["messages"])

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(body)
            index = len(self.requests) - 1
            if index >= len(self.script):
                return Reply(status=500, error_message=f"stub script exhausted after {len(self.script)} replies")
            step = self.script[index]
        return step(body) if callable(step) else step

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._json(200, {"object": "list", "data": [{"id": stub.model, "object": "model"}]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                stub.headers.append({k.lower(): v for k, v in self.headers.items()})
                if stub.api_key and self.headers.get("authorization") != f"Bearer {stub.api_key}":
                    self._error(401, "Incorrect API key provided", "invalid_api_key")
                    return
                if body.get("model") != stub.model:
                    self._error(404, f"The model `{body.get('model')}` does not exist", "model_not_found")
                    return
                reply = stub._next(body)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if reply.status != 200:
                    self._error(reply.status, reply.error_message, "rate_limit_exceeded" if reply.status == 429
                                else "server_error")
                elif body.get("stream"):
                    self._stream(body, reply)
                else:
                    self._json(200, _completion(body, reply))

            def _error(self, status: int, message: str, code: str) -> None:
                self._json(status, {"error": {"message": message, "type": code, "code": code}},
                           {"retry-after-ms": "10"} if status == 429 else {})

            def _json(self, status: int, document: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict[str, Any], reply: Reply) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                for chunk in _chunks(body, reply):
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")

        return Handler


def _tool_call_list(reply: Reply) -> list[dict[str, Any]]:
    return [{"id": f"call_{uuid.uuid4().hex[:8]}", "type": "function",
             "function": {"name": name, "arguments": json.dumps(args)}} for name, args in reply.tool_calls]


def _completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool_calls:
        message["tool_calls"] = _tool_call_list(reply)
    return {"id": f"chatcmpl-{uuid.uuid4().hex[:8]}", "object": "chat.completion", "created": int(time.time()),
            "model": body["model"], "choices": [{"index": 0, "message": message,
                                                 "finish_reason": "tool_calls" if reply.tool_calls else "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}


def _chunks(body: dict[str, Any], reply: Reply) -> Iterator[dict[str, Any]]:
    """The answer as OpenAI streams it: text in several deltas, each tool call's arguments in two pieces."""
    base = {"id": f"chatcmpl-{uuid.uuid4().hex[:8]}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": body["model"]}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    yield chunk({"role": "assistant", "content": ""})
    text = reply.content or ""
    for start in range(0, len(text), 16):
        yield chunk({"content": text[start:start + 16]})
    for index, call in enumerate(_tool_call_list(reply)):
        arguments = call["function"]["arguments"]
        half = len(arguments) // 2
        yield chunk({"tool_calls": [{"index": index, "id": call["id"], "type": "function",
                                     "function": {"name": call["function"]["name"], "arguments": arguments[:half]}}]})
        yield chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments[half:]}}]})
    yield chunk({}, "tool_calls" if reply.tool_calls else "stop")


@contextmanager
def openai_stub(script: Sequence[Responder], model: str = "stub-model", api_key: str | None = None
                ) -> Iterator[OpenAIStub]:
    with OpenAIStub(script, model, api_key) as stub:
        yield stub
