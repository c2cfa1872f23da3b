"""Text between Slack and the conversation core: what a person typed, cleaned into a question; the answer's markdown
into Slack's mrkdwn, cut into pieces Block Kit accepts; the citations and connection strings a text holds.

Everything posted to Slack passes through `safe()` (tools/redact): a password in a DSN, an API key or a Slack token
never reaches a channel, whoever wrote it.
"""

from __future__ import annotations

import re
from functools import cache

from dbsage.tools.redact import mask_secrets

SECTION_LIMIT = 2900  # Block Kit allows 3000 characters in a section's text; leave room for the code fence
_MENTION = re.compile(r"<@[UWB][A-Z0-9]+(?:\|[^>]*)?>")
_KB = re.compile(r"\[?kb:([A-Za-z0-9][\w./-]*[A-Za-z0-9])\]?")
_FENCE = re.compile(r"```[A-Za-z0-9_+-]*[ \t]*\n?(.*?)```", re.S)
# libpq's key=value conninfo: two or more of its keywords in a row
_CONNINFO = re.compile(r"(?:\b(?:host|hostaddr|port|dbname|user|password|sslmode)\s*=\s*\S+\s*){2,}", re.I)


@cache
def _dsn_url() -> re.Pattern[str]:
    """A connection URL of any engine dbsage knows (the registry's schemes), bare or as Slack links it: <url|label>."""
    from dbsage.tools.engines.registry import ENGINES

    schemes = "|".join(re.escape(s) for info in ENGINES for s in sorted(info.schemes, key=len, reverse=True))
    return re.compile(rf"<?\b(?:{schemes})://[^\s>|]+(?:\|[^>]*)?>?", re.I)


def safe(text: str) -> str:
    """`text` with every recognisable secret masked (DSN passwords, API keys, tokens, passwords in SQL)."""
    return mask_secrets(text)


def question_from(text: str) -> tuple[str, bool]:
    """The question in a Slack message: mentions removed, connection strings dropped (the channel's database is
    configuration, not chat). Returns (question, whether a connection string was dropped)."""
    cleaned = _MENTION.sub("", text)
    dropped = _dsn_url().subn("", cleaned)
    cleaned, found = dropped[0], dropped[1]
    cleaned, kv = _CONNINFO.subn("", cleaned)
    cleaned = cleaned.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")  # Slack escapes these three
    return re.sub(r"[ \t]{2,}", " ", cleaned).strip(), bool(found or kv)


def citations(*texts: str) -> list[str]:
    """The knowledge-base ids cited in `texts` ("kb:pg-index-types"), once each, in order."""
    seen: dict[str, None] = {}
    for text in texts:
        for match in _KB.finditer(text):
            seen.setdefault(match[1], None)
    return list(seen)


def escape(text: str) -> str:
    """The three characters Slack's mrkdwn reserves (`<` starts a link or a mention), escaped as Slack asks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(markdown: str) -> str:
    """Markdown as Slack writes it: **bold** → *bold*, headings → bold lines, [text](url) → <url|text>; code fences
    keep their content (Slack shows no language tag); &, < and > escaped everywhere (`WHERE a < b` stays text)."""
    pieces = []
    last = 0
    for match in _FENCE.finditer(markdown):
        pieces.append(_inline(markdown[last:match.start()]))
        pieces.append(f"```{escape(match[1].strip(chr(10)))}```")
        last = match.end()
    pieces.append(_inline(markdown[last:]))
    return "".join(pieces).strip()


def _inline(text: str) -> str:
    text = escape(text)
    text = re.sub(r"(?m)^#{1,6}\s+(.+?)\s*#*$", r"*\1*", text)
    text = re.sub(r"\*\*(.+?)\*\*", r"*\1*", text)
    text = re.sub(r"__(.+?)__", r"*\1*", text)
    return re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", r"<\2|\1>", text)


def chunks(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """`text` cut into pieces of at most `limit` characters: code blocks kept whole where they fit, else cut at a
    line and each piece fenced again; prose cut at paragraph or line ends."""
    parts: list[str] = []
    for piece in re.split(r"(```.*?```)", text, flags=re.S):
        if not piece.strip():
            continue
        if piece.startswith("```"):
            body = piece[3:-3]
            parts += [f"```{part}```" for part in _cut(body, limit - 6)]
        else:
            parts += _cut(piece.strip(), limit)
    merged: list[str] = []
    for part in parts:  # small neighbours share one section
        if merged and len(merged[-1]) + len(part) + 1 <= limit:
            merged[-1] += "\n" + part
        else:
            merged.append(part)
    return merged


def _cut(text: str, limit: int) -> list[str]:
    out: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n\n", 0, limit), text.rfind("\n", 0, limit))
        cut = cut if cut > limit // 2 else limit
        out.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n")
    if text:
        out.append(text)
    return out
