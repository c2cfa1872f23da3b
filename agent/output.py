"""How the CLI reports: rich tables for people, versioned JSON for programs, errors rendered once with exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any, NoReturn

import typer
from rich.console import Console

from dbsage.tools.errors import DbsageError, GuardRefusal
from dbsage.tools.redact import redact

JSON_VERSION = 1
stdout = Console(highlight=False, soft_wrap=False)
stderr = Console(stderr=True, highlight=False)


class Format(StrEnum):
    table = "table"
    json = "json"


def to_jsonable(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    return value


def emit_json(command: str, **payload: Any) -> None:
    document = {"dbsage": JSON_VERSION, "command": command, **{k: to_jsonable(v) for k, v in payload.items()}}
    sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")


def fail(error: DbsageError, fmt: str = "table") -> NoReturn:
    """Render a typed error once and exit with its code. Secrets are redacted on the way out."""
    if fmt == "json":
        kind = "refused" if isinstance(error, GuardRefusal) else "error"
        document = {"dbsage": JSON_VERSION, kind: redact(error.message), "hint": error.hint,
                    "error_type": type(error).__name__}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    prefix = "refused" if isinstance(error, GuardRefusal) else "error"
    sys.stderr.write(f"{prefix}: {redact(error.message)}\n")
    if error.hint:
        sys.stderr.write(f"  → {redact(error.hint)}\n")
    raise typer.Exit(error.exit_code)


@contextmanager
def reporting(fmt: str = "table") -> Iterator[None]:
    """Turn typed errors raised inside a command into the CLI's messages and exit codes."""
    try:
        yield
    except DbsageError as error:
        fail(error, fmt)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise typer.Exit(130) from None



def human_bytes(n: int | None) -> str:
    if n is None:
        return "—"
    size = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def human_count(n: int | None) -> str:
    if n is None:
        return "—"
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.1f}{unit}"
    return str(n)
