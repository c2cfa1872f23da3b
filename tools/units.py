"""Numbers in words people read at a glance: sizes (12.5 MB) and counts (1.2M). Shared by every front end."""

from __future__ import annotations


def human_bytes(n: int | None) -> str:
    """A byte count with a binary unit; an em dash when unknown."""
    if n is None:
        return "—"
    size = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def human_count(n: int | None) -> str:
    """A count with k/M/G above a thousand; an em dash when unknown."""
    if n is None:
        return "—"
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.1f}{unit}"
    return str(n)
