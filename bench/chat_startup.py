"""Time to first paint of `dbsage chat`, against `python -c pass` measured the same way in the same run.

Both start in a fresh tmux pane (120×36); the clock stops when the screen shows the app's first frame (the prompt's
placeholder) or, for the baseline, the word the one-liner prints. The chat connects to the database after its first
paint, so the database's speed is not part of this figure. Target: < 1 s.

    .venv/bin/python bench/chat_startup.py [--db TARGET] [--runs 7]

Needs tmux. Prints the median and the spread of each, and the difference.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

FIRST_FRAME = "Ask about the database, or /help"


def time_to_screen(command: str, marker: str, env: dict[str, str], timeout_s: float = 20.0) -> float:
    """Seconds from starting `command` in a new tmux pane until `marker` is on its screen."""
    socket = f"dbsage-bench-{uuid.uuid4().hex[:8]}"
    tmux = [shutil.which("tmux") or "tmux", "-L", socket]
    start = time.perf_counter()
    subprocess.run([*tmux, "new-session", "-d", "-x", "120", "-y", "36", command], env=env, check=True)
    try:
        while time.perf_counter() - start < timeout_s:
            screen = subprocess.run([*tmux, "capture-pane", "-p"], env=env, capture_output=True, text=True).stdout
            if marker in screen:
                return time.perf_counter() - start
            time.sleep(0.005)
        raise SystemExit(f"{marker!r} did not appear within {timeout_s} s for: {command}")
    finally:
        subprocess.run([*tmux, "kill-server"], env=env, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=os.environ.get("DBSAGE_DB", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is not installed: apt-get install tmux")
    dbsage = Path(sys.executable).with_name("dbsage")
    with tempfile.TemporaryDirectory() as state:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DBSAGE_MODEL", "OPENAI_", "TMUX"))}
        env |= {"DBSAGE_STATE_DIR": state, "TERM": "xterm-256color"}
        commands = {
            "python -c pass": (f"{sys.executable} -c \"print('start' + 'ed')\"; sleep 5", "started"),
            "dbsage chat": (f"{dbsage} chat --db '{args.db}'", FIRST_FRAME),
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):  # interleaved, so a busy moment on the machine hits both alike
            for name, (command, marker) in commands.items():
                times[name].append(time_to_screen(command, marker, env))
    for name, values in times.items():
        print(f"{name:>16}: median {statistics.median(values) * 1000:6.0f} ms "
              f"(min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f}; {len(values)} runs)")
    chat, base = statistics.median(times["dbsage chat"]), statistics.median(times["python -c pass"])
    verdict = "✓" if chat < 1.0 else "✗"
    print(f"first paint of dbsage chat: {chat:.2f} s {verdict} (target < 1 s); {chat - base:.2f} s more than the "
          "interpreter's own start")


if __name__ == "__main__":
    main()
