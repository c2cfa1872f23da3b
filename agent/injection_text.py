"""The readings of one piece of database text that a model could understand, for the injection detector
(injection.py): the text as a reader sees it (NFKC, zero-width and bidi controls gone, underscores as spaces), with
look-alike letters made Latin, with spaced-out letters joined, with leetspeak undone, ROT13, and every base64, hex
or URL-encoded run inside it decoded. Each reading is bounded: a huge value is read in its first MAX_CHARS.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata
from collections.abc import Iterator
from urllib.parse import unquote

MAX_CHARS = 100_000  # of one string; beyond it a result is data nobody reads whole
MAX_DECODED = 20  # encoded runs tried per string

_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Letters from other scripts drawn like Latin ones (Cyrillic, Greek): "іgnоre" with Cyrillic і and о.
_LOOKALIKE = str.maketrans("аеорсуххіјѕԁԛԝкмтвнοαειντρκχ", "aeopcyxxijsdqwkmtbhoaeivtpkx")
_LEET = str.maketrans("013457@$|!", "oieastasii")
_LEET_CHARS = re.compile(r"[a-z][013457@$|!]|[013457@$|!][a-z]")  # a digit inside a word
_SPACED = re.compile(r"(?<!\w)(?:\w ){3,}\w(?!\w)")  # "i g n o r e": single letters one space apart
# base64 of text: 16+ characters of its alphabet with a digit, + or / among them (a long word has none)
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/_-])(?=[A-Za-z_-]*[0-9+/])[A-Za-z0-9+/_-]{16,}={0,2}")
_LOOKS_ENCODED = re.compile(r"^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9+/=_-])")
_HEX = re.compile(r"(?:\\x[0-9a-fA-F]{2}){8,}|(?<![0-9a-fA-F])(?:[0-9a-fA-F]{2}){8,}(?![0-9a-fA-F])")
_PERCENT = re.compile(r"(?:%[0-9a-fA-F]{2}[^%\s]{0,3}){4,}")


def readable(text: str, spacing: bool = False) -> str:
    """What a reader (or a model) sees: compatibility forms folded, invisible characters gone, case folded.
    `spacing`: keep runs of spaces (where spaced-out letters show their word breaks)."""
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text[:MAX_CHARS])).replace("_", " ").casefold()
    return text if spacing else " ".join(text.split())


def readings(text: str) -> Iterator[tuple[str, str]]:
    """(how it was read, the text) for every reading worth matching; the plain reading first."""
    spaced = readable(text, spacing=True)
    plain = " ".join(spaced.split())
    yield "", plain
    latin = plain if plain.isascii() else plain.translate(_LOOKALIKE)
    if latin != plain:
        yield "look-alike letters", latin
    if _SPACED.search(spaced):
        joined = " ".join(_SPACED.sub(lambda m: m[0].replace(" ", ""), spaced.translate(_LOOKALIKE)).split())
        yield "spaced-out letters", joined
    if _LEET_CHARS.search(latin):
        yield "leetspeak", latin.translate(_LEET)
    yield "rot13", codecs.encode(plain, "rot13")
    for how, decoded in _decoded(text[:MAX_CHARS]):
        yield how, readable(decoded)


def _decoded(text: str) -> Iterator[tuple[str, str]]:
    attempts = 0
    for how, pattern, decode in (("base64", _BASE64, _from_base64), ("hex", _HEX, _from_hex),
                                 ("URL-encoded", _PERCENT, lambda run: unquote(run))):
        for match in pattern.finditer(text):
            if attempts >= MAX_DECODED:
                return
            if how == "base64" and not _LOOKS_ENCODED.search(match[0]):
                continue  # an identifier or a number: base64 of text mixes both cases
            attempts += 1
            decoded = decode(match[0])
            if decoded and _mostly_text(decoded):
                yield f"{how}-decoded", decoded


def _from_base64(run: str) -> str | None:
    padded = run + "=" * (-len(run) % 4)
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            return decode(padded).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            continue
    return None


def _from_hex(run: str) -> str | None:
    try:
        return bytes.fromhex(run.replace("\\x", "")).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


def _mostly_text(decoded: str) -> bool:
    """Decoded bytes that read as words (a hash, an image or a key decodes to noise)."""
    letters = sum(c.isalpha() or c == " " for c in decoded)
    return len(decoded) >= 8 and letters >= 0.8 * len(decoded) and " " in decoded.strip()
