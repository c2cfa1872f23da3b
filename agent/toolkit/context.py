"""What a tool call runs against: one target, its engine (opened on first use) and the store of full results."""

from __future__ import annotations

import json
import threading
from typing import Any

from dbsage.tools.engines.limits import SessionLimits
from dbsage.tools.errors import DbsageError
from dbsage.tools.targets import Target

DEFAULT_POOL_SIZE = 4
MCP_POOL_SIZE = 10


class ResultStore:
    """Full results of this conversation by handle ("r1", "r2", …), so a model can fetch what a summary left out.

    Bounded: an MCP server keeps one context for its whole life, so only the newest `max_results` results (and at
    most `max_bytes` of them) are kept; fetching an older handle says it expired.
    """

    def __init__(self, max_results: int = 50, max_bytes: int = 20_000_000) -> None:
        self._results: dict[str, str] = {}
        self._lock = threading.Lock()
        self._count = 0
        self._bytes = 0
        self.max_results = max_results
        self.max_bytes = max_bytes

    def put(self, document: Any) -> str:
        text = json.dumps(document, default=str, indent=1)
        with self._lock:
            self._count += 1
            handle = f"r{self._count}"
            self._results[handle] = text
            self._bytes += len(text)
            while len(self._results) > 1 and (len(self._results) > self.max_results or self._bytes > self.max_bytes):
                oldest = next(iter(self._results))
                self._bytes -= len(self._results.pop(oldest))
        return handle

    def get(self, handle: str) -> str:
        if handle not in self._results:
            known = ", ".join(self._results) or "none yet"
            expired = handle.startswith("r") and handle[1:].isdigit() and 0 < int(handle[1:]) <= self._count
            problem = "is no longer kept (only the newest results are)" if expired else "does not exist"
            raise DbsageError(f"result {handle!r} {problem}", f"known handles: {known}; or run the tool again")
        return self._results[handle]


class ToolContext:
    """What a tool call runs against: one target, its engine (opened on first use) and the result store.

    `origin` names the front end (agent, mcp, router): the proposals store records it, and refuses anything but
    creation from an agent path.
    """

    def __init__(self, target: Target, origin: str = "agent", limits: SessionLimits | None = None) -> None:
        self.target = target
        self.origin = origin
        # An MCP server answers concurrent callers on one context; a CLI command or a chat makes a call at a time.
        # The engine lowers the pool to what the server has free.
        self.limits = limits or SessionLimits(pool_size=MCP_POOL_SIZE if origin == "mcp" else DEFAULT_POOL_SIZE)
        self.results = ResultStore()
        self._engine: Any = None
        self._lock = threading.Lock()  # the MCP server runs tool calls on worker threads

    @property
    def engine(self) -> Any:
        with self._lock:
            if self._engine is None:
                from dbsage.tools.engines import connect

                self._engine = connect(self.target, self.limits)
            return self._engine

    def cancel(self) -> None:
        """Ask the server to stop what this context's engine is running now (a person cancelled the turn). Safe
        from any thread; a no-op before the engine is opened, or for an engine that cannot cancel."""
        engine = self._engine
        if engine is not None:
            engine.cancel()

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None
