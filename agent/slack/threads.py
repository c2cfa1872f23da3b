"""One Slack thread is one conversation: the sessions of the threads the bot takes part in, and who may ask how often.

`Threads` maps (channel, thread_ts) to a `Conversation`: its connection, its session and a lock, so follow-ups in
one thread run one after another while other threads run at the same time (each on its own listener thread, each
with its own tool context and database connection). Only `max_open` sessions stay open; the least recently used
idle one is closed, and a follow-up in its thread resumes it from its transcript (agent/session.py `resume=`).
`ThreadMap` keeps thread → (connection, conversation id) in the state dir, so a restarted bot resumes its threads
the same way.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dbsage.agent.session import Session

ThreadKey = tuple[str, str]  # (channel id, ts of the thread's first message)
OpenSession = Callable[[str, "str | None"], "Session"]  # (connection name, conversation id to resume) → Session


@dataclass
class Conversation:
    key: ThreadKey
    connection: str
    session: Session | None = None
    conversation_id: str | None = None
    asker: str | None = None  # who asked the question running now (they, or an approver, may stop it)
    lock: threading.Lock = field(default_factory=threading.Lock)  # one turn at a time in a thread


class ThreadMap:
    """Which conversation each thread is, on disk (SQLite in the state dir): (channel, thread_ts) → (connection,
    conversation id). Only ids: the conversation itself is its transcript."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.execute("CREATE TABLE IF NOT EXISTS threads (channel TEXT NOT NULL, thread_ts TEXT NOT NULL, "
                       "connection TEXT NOT NULL, conversation_id TEXT NOT NULL, updated_at TEXT NOT NULL, "
                       "PRIMARY KEY (channel, thread_ts))")

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def load(self, key: ThreadKey) -> tuple[str, str] | None:
        db = self._db()
        try:
            row = db.execute("SELECT connection, conversation_id FROM threads WHERE channel = ? AND thread_ts = ?",
                             key).fetchone()
        finally:
            db.close()
        return (str(row[0]), str(row[1])) if row else None

    def save(self, key: ThreadKey, connection: str, conversation_id: str) -> None:
        db = self._db()
        try:
            with db:
                db.execute("INSERT OR REPLACE INTO threads VALUES (?, ?, ?, ?, ?)",
                           (*key, connection, conversation_id, datetime.now(UTC).isoformat(timespec="seconds")))
        finally:
            db.close()


class Threads:
    def __init__(self, open_session: OpenSession, max_open: int = 32, saved: ThreadMap | None = None) -> None:
        self._open_session = open_session
        self._max_open = max_open
        self._saved = saved
        self._known: OrderedDict[ThreadKey, Conversation] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()

    def get(self, key: ThreadKey) -> Conversation | None:
        """The thread's conversation, if the bot takes part in it (now, or before a restart)."""
        with self._lock:
            found = self._known.get(key)
            if found is not None:
                return found
        saved = self._saved.load(key) if self._saved else None
        if saved is None:
            return None
        with self._lock:
            return self._known.setdefault(key, Conversation(key, saved[0], conversation_id=saved[1]))

    def conversation(self, key: ThreadKey, connection: str) -> Conversation:
        """The thread's conversation on `connection`, made on first use (its session opens in `session_for`). A
        thread whose channel now maps to another connection starts a new conversation: configuration wins."""
        self.get(key)  # brings a saved one back
        with self._lock:
            found = self._known.get(key)
            if found is None or found.connection != connection:
                found = self._known[key] = Conversation(key, connection)
            self._known.move_to_end(key)
            return found

    def session_for(self, conversation: Conversation) -> Session:
        """The conversation's session, opened (or resumed from its transcript) when it has none. Call it holding
        `conversation.lock`."""
        if conversation.session is None:
            session = self._open_session(conversation.connection, conversation.conversation_id)
            conversation.session, conversation.conversation_id = session, session.conversation_id
            if self._saved is not None:
                self._saved.save(conversation.key, conversation.connection, session.conversation_id)
            self._close_idle()
        return conversation.session

    def _close_idle(self) -> None:
        with self._lock:
            open_ones = [c for c in self._known.values() if c.session is not None]
        for oldest in open_ones[: max(0, len(open_ones) - self._max_open)]:
            if oldest.lock.acquire(blocking=False):  # a thread answering right now keeps its session
                try:
                    session, oldest.session = oldest.session, None
                    if session is not None:
                        session.ctx.close()
                finally:
                    oldest.lock.release()

    def close(self) -> None:
        with self._lock:
            conversations = list(self._known.values())
        for conversation in conversations:
            session, conversation.session = conversation.session, None
            if session is not None:
                session.cancel()
                session.ctx.close()

    def open_count(self) -> int:
        with self._lock:
            return sum(1 for c in self._known.values() if c.session is not None)


class RateLimit:
    """At most `per_minute` questions a person in any sliding minute: `wait(user)` is 0 when they may ask now,
    else the seconds until they may."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._asked: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, user: str) -> float:
        now = self._clock()
        with self._lock:
            asked = self._asked.setdefault(user, deque())
            while asked and now - asked[0] >= 60:
                asked.popleft()
            if len(asked) >= self.per_minute:
                return 60 - (now - asked[0])
            asked.append(now)
            return 0.0


class Seen:
    """Messages already handled, by (channel, ts): a mention arrives as an app_mention and as a message event, and
    Slack retries an event it thinks was lost. Bounded."""

    def __init__(self, size: int = 2000) -> None:
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def first_time(self, channel: str, ts: str) -> bool:
        with self._lock:
            if (channel, ts) in self._seen:
                return False
            self._seen[(channel, ts)] = None
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)
            return True
