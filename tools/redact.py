"""Secret redaction: passwords in DSNs and API keys never reach output, logs, transcripts or the model."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

MASK = "***"

# scheme://user:password@host  — the password is everything between the first ':' after '//' and the last '@'.
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.\-]*://[^:/@\s]*:)(?P<secret>[^@\s]+)(?P<tail>@)", re.I)
# key=value DSNs (libpq conninfo), query parameters and environment assignments in commands (archive_command,
# cron jobs, COPY … PROGRAM): password=…, sslpassword=…, PGPASSWORD=…, MYSQL_PWD=…, AWS_SECRET_ACCESS_KEY=…, token=…
_KV_PASSWORD = re.compile(
    r"(?P<head>\b\w*?(?:password|passwd|pwd|secret_access_key|secret_key|secret|token|api_?key)\s*=\s*)"
    r"(?P<secret>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s&;]+)", re.I)
# The same keys as JSON/YAML/TOML members: "password": "…", password: …, api_key = "…" is covered above.
# Not MySQL/MariaDB's "Access denied … (using password: YES)": that says whether one was sent, and masking it
# mangled the server's message.
_MEMBER_PASSWORD = re.compile(
    r"(?<!using )(?P<head>[\"']?\b\w*?(?:password|passwd|pwd|secret_access_key|secret_key|secret|token|api_?key)"
    r"[\"']?\s*:\s*)"
    r"(?P<secret>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[^\s,}\]]+)", re.I)
# API keys in the shapes providers use (OpenAI sk-..., Slack xox?-..., bearer tokens).
_API_KEYS = re.compile(r"\b(?:sk-[A-Za-z0-9_\-]{8,}|xox[abprs]-[A-Za-z0-9\-]{8,}|xapp-[A-Za-z0-9\-]{8,})")
_BEARER = re.compile(r"(?P<head>\bBearer\s+)(?P<secret>[A-Za-z0-9._\-]{8,})", re.I)


_CLOSING = re.compile(r"['\")]+$")


def _masked(match: re.Match[str]) -> str:
    """The key, the mask, and the closing quotes/parentheses an unquoted value ran into: a server message that
    quotes `near 'token=abc'` or `(password: x)` keeps its own punctuation, the value itself stays hidden."""
    secret = match["secret"]
    closing = "" if secret[:1] in ("'", '"') else (_CLOSING.search(secret) or [""])[0]
    return match["head"] + MASK + (closing if len(closing) < len(secret) else "")


def redact(text: str) -> str:
    """Return `text` with every recognisable secret replaced by ***."""
    text = _URL_PASSWORD.sub(lambda m: m["head"] + MASK + m["tail"], text)
    text = _KV_PASSWORD.sub(_masked, text)
    text = _MEMBER_PASSWORD.sub(_masked, text)
    text = _BEARER.sub(lambda m: m["head"] + MASK, text)
    return _API_KEYS.sub(MASK, text)


# Passwords inside SQL text that other sessions ran (pg_stat_activity, pg_stat_statements, performance_schema,
# SHOW PROCESSLIST): CREATE/ALTER ROLE … PASSWORD '…', … IDENTIFIED [WITH|VIA plugin] BY/AS/USING '…', PASSWORD('…'),
# SET PASSWORD FOR u = '…'. PostgreSQL takes the literal in any string spelling: E'…', U&'…', $$…$$, $tag$…$tag$.
_SQL_PASSWORD = re.compile(
    r"(?P<head>\b(?:PASSWORD(?:\s+FOR\s+\S+\s*=)?"
    r"|IDENTIFIED(?:\s+(?:WITH|VIA)\s+\S+)?\s+(?:BY|AS|USING)(?:\s+PASSWORD)?)\s*\(?\s*)"
    r"(?P<secret>(?:[EN]|U&)?'(?:[^'\\]|\\.|'')*'|\$(?P<tag>(?:[A-Z_]\w*)?)\$.*?\$(?P=tag)\$)",
    re.I | re.S,
)


def mask_secrets(text: str) -> str:
    """DSN passwords, API keys (redact) and passwords written in SQL text, masked: for text that may quote
    other sessions' statements (query texts, settings, transcripts)."""
    return _SQL_PASSWORD.sub(lambda m: f"{m['head']}'{MASK}'", redact(text))


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


# A password as written in a DSN: URL userinfo (up to the last '@' before the path) or a password=… value, which
# runs to the next ` key=` (libpq would stop at a space, but then quotes the rest of it in its error message).
_URL_USERINFO = re.compile(r"^[a-z][a-z0-9+.\-]*://(?P<userinfo>[^@]*)@", re.I)
_KV_VALUE = re.compile(r"\b(?:ssl)?password\s*=\s*(?P<value>.*?)(?=\s+\w+\s*=|&\w+=|\s*$)", re.I)
_MIN_PIECE = 4  # masking a 1–3 character piece would shred ordinary words


def dsn_passwords(dsn: str) -> tuple[str, ...]:
    """The password pieces a DSN holds, as written and percent-decoded, longest first: a driver's error message
    may quote any of them (libpq: `missing "=" after "<piece>"`, `invalid percent-encoded token: "<password>"`)."""
    from urllib.parse import unquote

    values = [m["value"].strip("'") for m in _KV_VALUE.finditer(dsn)]
    url = _URL_USERINFO.match(dsn)
    if url and ":" in url["userinfo"]:
        values.append(url["userinfo"].split(":", 1)[1])
    pieces = {p for v in values for p in (v, unquote(v), *v.split()) if len(p) >= _MIN_PIECE}
    return tuple(sorted(pieces, key=len, reverse=True))


def redact_dsn(text: str, dsn: str) -> str:
    """`text` redacted, and every piece of `dsn`'s password masked wherever it appears."""
    text = redact(text)
    for piece in dsn_passwords(dsn):
        text = text.replace(piece, MASK)
    return text
