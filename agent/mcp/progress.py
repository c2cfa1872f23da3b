"""Progress notifications for long MCP calls: a client (the MCP Inspector, a coding agent) gives up on a request
that stays silent for 60 s, so a call that runs longer than a moment says it is still working, and what it is doing.

The tool's work runs on a worker thread; it may tell `Progress` what it is doing now (`ask` names each tool it
runs). The server side sends a `notifications/progress` every PROGRESS_EVERY_S while the work runs — only when the
client asked for progress (a progressToken in the request); otherwise the SDK sends nothing.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
PROGRESS_EVERY_S = 2.0  # DBSAGE_MCP_PROGRESS_S overrides it (tests; a client with a shorter patience)


class Progress:
    """What a running call is doing now; thread-safe (the worker sets it, the event loop reads it)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.started = time.monotonic()
        self.steps = 0
        self._doing = f"running {name}"
        self._lock = threading.Lock()

    def step(self, doing: str) -> None:
        with self._lock:
            self.steps += 1
            self._doing = doing

    def message(self) -> str:
        with self._lock:
            doing, steps = self._doing, self.steps
        done = f", {steps} step(s) so far" if steps else ""
        return f"{doing} ({time.monotonic() - self.started:.0f} s{done})"


async def run_with_progress(context: Any, name: str, work: Callable[[Progress], T],
                            on_cancel: Callable[[], None] | None = None) -> T:
    """Run `work` on a worker thread, reporting progress every PROGRESS_EVERY_S until it returns or raises. If the
    client cancels the request, `on_cancel` (e.g. stop the statement on the server) runs before the cancel goes on."""
    import anyio

    progress = Progress(name)
    outcome: dict[str, Any] = {}

    every = float(os.environ.get("DBSAGE_MCP_PROGRESS_S") or PROGRESS_EVERY_S)

    async def heartbeat() -> None:
        beat = 0
        while True:
            await anyio.sleep(every)
            beat += 1
            try:
                await context.report_progress(beat, None, progress.message())
            except Exception:  # noqa: BLE001 — a client that went away must not fail the call itself
                return

    async def body() -> None:
        try:
            outcome["value"] = await anyio.to_thread.run_sync(lambda: work(progress))
        except BaseException as error:  # carried out of the task group unwrapped, below
            outcome["error"] = error

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(heartbeat)
            await body()
            group.cancel_scope.cancel()
    except anyio.get_cancelled_exc_class():
        if on_cancel is not None:
            on_cancel()
        raise
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value
