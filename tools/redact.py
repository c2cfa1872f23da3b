"""Secret redaction: passwords in DSNs and API keys never reach output, logs, transcripts or the model."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

MASK = "***"

# scheme://user:password@host  — the password is everything between the first ':' after '//' and the last '@'.
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.\-]*://[^:/@\s]*:)(?P<secret>[^@\s]+)(?P<tail>@)", re.I)
# key=value DSNs (libpq conninfo) and query parameters: password=..., sslpassword=...
_KV_PASSWORD = re.compile(r"(?P<head>\b(?:ssl)?password\s*=\s*)(?P<secret>'(?:[^'\\]|\\.)*'|[^\s&;]+)", re.I)
# API keys in the shapes providers use (OpenAI sk-..., Slack xox?-..., bearer tokens).
_API_KEYS = re.compile(r"\b(?:sk-[A-Za-z0-9_\-]{8,}|xox[abprs]-[A-Za-z0-9\-]{8,}|xapp-[A-Za-z0-9\-]{8,})")
_BEARER = re.compile(r"(?P<head>\bBearer\s+)(?P<secret>[A-Za-z0-9._\-]{8,})", re.I)


def redact(text: str) -> str:
    """Return `text` with every recognisable secret replaced by ***."""
    text = _URL_PASSWORD.sub(lambda m: m["head"] + MASK + m["tail"], text)
    text = _KV_PASSWORD.sub(lambda m: m["head"] + MASK, text)
    text = _BEARER.sub(lambda m: m["head"] + MASK, text)
    return _API_KEYS.sub(MASK, text)


def redact_url(url: str) -> str:
    """Show a DSN URL as scheme://user:***@host/db (password masked, query secrets masked)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostinfo = netloc.rpartition("@")
        user, sep, _password = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{hostinfo}" if sep else f"{user}@{hostinfo}"
    return redact(urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)))
