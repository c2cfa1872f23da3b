"""Text shown to a person exactly as it is: no character a terminal or an editor would act on instead of showing.

Database content (comments, rows, query texts) and agent-filed proposals reach people's terminals. C0/C1 control
characters (ANSI escapes that hide, move or recolour text, set the window title or the clipboard) and bidirectional
overrides ("Trojan Source") are written as visible escapes instead.
"""

from __future__ import annotations

import re

_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """`text` with every character that could hide or reorder what a person reads written as a visible escape."""
    return _HIDDEN.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)
