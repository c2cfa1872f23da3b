"""The real `dbsage chat` binary in a real terminal (tmux): start, ask, see the answer, quit.

tmux types (send-keys) and reads the screen (capture-pane). scripts/setup.sh installs tmux; without it the test is
skipped and says why."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from chat_support import SHOP

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux; setup.sh does)")
DBSAGE = Path(sys.executable).with_name("dbsage")


class Terminal:
    """One tmux session on a private server socket, 120×36."""

    def __init__(self, command: str, env: dict[str, str]) -> None:
        self.socket = f"dbsage-test-{uuid.uuid4().hex[:8]}"
        self.env = env
        self._tmux("new-session", "-d", "-s", "chat", "-x", "120", "-y", "36", command)

    def _tmux(self, *args: str) -> str:
        done = subprocess.run([str(TMUX), "-L", self.socket, *args], env=self.env, capture_output=True, text=True,
                              timeout=10)
        return done.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "chat")

    def type(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "chat", *keys)

    def wait_for(self, text: str, timeout_s: float = 20) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen:\n{self.screen()}")

    def close(self) -> None:
        self._tmux("kill-server")


@pytest.fixture
def terminal(make_pg_db, tmp_path: Path) -> Iterator[Terminal]:
    dsn = make_pg_db(SHOP)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBSAGE_MODEL", "OPENAI_", "TMUX"))}
    env |= {"DBSAGE_STATE_DIR": str(tmp_path / "state"), "TERM": "xterm-256color", "XDG_CONFIG_HOME": str(tmp_path)}
    # the shell line keeps the pane open after the app ends, so the test can read how it ended
    term = Terminal(f"cd {tmp_path} && {DBSAGE} chat --db '{dsn}'; echo \"chat exited with $?\"; sleep 30", env)
    yield term
    term.close()


def test_the_real_binary_starts_answers_and_quits(terminal: Terminal) -> None:
    first = terminal.wait_for("Ready. Ask a question")
    assert "dbsage" in first and "no model: plain router" in first

    terminal.type("describe table orders", "Enter")
    answered = terminal.wait_for("answered by the plain router")
    assert "✓ describe_object(name='orders')" in answered and "≈2000 rows" in answered

    terminal.type("C-q")
    assert "chat exited with 0" in terminal.wait_for("chat exited with")
