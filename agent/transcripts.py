"""Transcripts: every conversation as JSONL under the state dir, one event a line, secrets redacted.

The state dir is `platformdirs.user_state_dir("dbsage")`, overridable with DBSAGE_STATE_DIR (tests use it). Every
string that reaches the file passes tools/redact.py, and any secret value the caller names (an API key that does
not look like one, a DSN password) is masked too: a transcript can be shared without leaking credentials.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dbsage.tools.redact import MASK, mask_secrets
from dbsage.tools.state import state_dir  # one state dir for proposals and transcripts


def transcripts_dir() -> Path:
    return state_dir() / "transcripts"


def scrub(value: Any, secret_values: tuple[str, ...] = ()) -> Any:
    """Redact every string inside a JSON-like value (dicts, lists, strings)."""
    if isinstance(value, str):
        text = mask_secrets(value)  # DSN passwords, API keys, and passwords written in SQL (PASSWORD '…')
        for secret in secret_values:
            if secret and len(secret) >= 4:  # masking a 1–3 character "secret" would shred ordinary words
                text = text.replace(secret, MASK)
        return text
    if isinstance(value, dict):
        return {str(k): scrub(v, secret_values) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v, secret_values) for v in value]
    return value


class Transcript:
    """One conversation's JSONL file. Appends are flushed at once, so an API error never loses what came before."""

    def __init__(self, path: Path, secret_values: tuple[str, ...] = ()) -> None:
        self.path = path
        self.conversation_id = path.stem
        self._secrets = secret_values

    @classmethod
    def start(cls, *, front_end: str, target: str, model: str | None, secret_values: tuple[str, ...] = ()
              ) -> Transcript:
        """Open a new transcript file and record what the conversation is about."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        folder = transcripts_dir()
        folder.mkdir(parents=True, exist_ok=True)
        transcript = cls(folder / f"{stamp}-{secrets.token_hex(4)}.jsonl", secret_values)
        transcript.record("start", front_end=front_end, target=target, model=model)
        return transcript

    def record(self, event: str, **fields: Any) -> None:
        line = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event, **fields}
        text = json.dumps(scrub(line, self._secrets), default=str, ensure_ascii=False)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(text + "\n")

    def events(self) -> list[dict[str, Any]]:
        """The events recorded so far, in order."""
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
