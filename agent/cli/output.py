"""How the CLI reports: rich tables for people, versioned JSON for programs, errors rendered once with exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any, NoReturn

import typer
from rich.console import Console, ConsoleOptions, ConsoleRenderable, RenderableType, RenderHook, RenderResult
from rich.segment import Segment
from rich.table import Table as RichTable
from rich.text import Text

from dbsage.tools.errors import ConfigError, DatabaseError, DbsageError, GuardRefusal, TargetUnreachable
from dbsage.tools.redact import redact
from dbsage.tools.visible import visible

JSON_VERSION = 1


class _Visible:
    """A renderable whose text segments show control characters as escapes (rich's own control segments stay)."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for segment in console.render(self.renderable, options):
            yield segment if segment.control else Segment(visible(segment.text), segment.style)


class _VisibleHook(RenderHook):
    """Database text (comments, rows, query texts) must not drive the terminal: no escape sequence, no bidi
    override reaches it raw, whatever command prints it."""

    def process_renderables(self, renderables: list[ConsoleRenderable]) -> list[ConsoleRenderable]:
        return [_Visible(r) for r in renderables]


stdout = Console(highlight=False, soft_wrap=False)
stderr = Console(stderr=True, highlight=False)
stdout.push_render_hook(_VisibleHook())
stderr.push_render_hook(_VisibleHook())


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


# When the code that raised an error had no better advice, the kind of error still says what to try next.
_DEFAULT_HINTS: dict[type[DbsageError], str] = {
    DatabaseError: "the server's message above names what it rejected; `dbsage schema` lists the tables and "
                   "columns it knows",
    TargetUnreachable: "check the server is running and the DSN (--db, DBSAGE_DB or PG* variables) is right",
    ConfigError: "fix dbsage.toml (working directory, then your config dir) or pass a DSN with --db",
}


def _refused(error: DbsageError) -> bool:
    # A syntax error is a GuardRefusal (it never runs) but it is the user's error to fix: exit 1, "error:".
    return isinstance(error, GuardRefusal) and error.exit_code == GuardRefusal.exit_code


def fail(error: DbsageError, fmt: str = "table") -> NoReturn:
    """Render a typed error once and exit with its code. Secrets are redacted on the way out."""
    if not error.hint:
        error.hint = next((hint for kind, hint in _DEFAULT_HINTS.items() if isinstance(error, kind)), None)
    if fmt == "json":
        kind = "refused" if _refused(error) else "error"
        document = {"dbsage": JSON_VERSION, kind: redact(error.message), "hint": error.hint,
                    "error_type": type(error).__name__}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    prefix = "refused" if _refused(error) else "error"
    sys.stderr.write(f"{prefix}: {visible(redact(error.message))}\n")  # server messages quote database names
    if error.hint:
        sys.stderr.write(f"  → {visible(redact(error.hint))}\n")
    raise typer.Exit(error.exit_code)


@contextmanager
def reporting(fmt: str = "table") -> Iterator[None]:
    """Turn typed errors raised inside a command into the CLI's messages and exit codes."""
    try:
        yield
    except DbsageError as error:
        fail(error, fmt)
    except ModuleNotFoundError as error:  # an optional part is missing: say what to install, not a traceback
        from dbsage.agent.missing import missing_package

        typed = missing_package(error)
        if typed is None:
            raise
        fail(typed, fmt)
    except KeyboardInterrupt:
        if fmt == "json":  # a program reading stdout gets a document for this ending too
            document = {"dbsage": JSON_VERSION, "error": "interrupted", "hint": "run the command again to finish it",
                        "error_type": "Interrupted"}
            sys.stdout.write(json.dumps(document, indent=2) + "\n")
        sys.stderr.write("interrupted\n")
        raise typer.Exit(130) from None


def run_cli(app: typer.Typer) -> None:
    """Run the app like typer does, except that a usage error (bad option value, missing argument) is also
    reported as versioned JSON on stdout when the call asked for `--format json`: programs get JSON for every
    failure, not only for the ones a command raises itself."""
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as error:  # click's ClickException family: usage errors, bad parameters
        exit_code = getattr(error, "exit_code", 2)
        if _json_requested(sys.argv[1:]) and type(error).__name__ != "NoArgsIsHelpError":  # help was printed
            context = getattr(error, "ctx", None)
            command_path = getattr(context, "command_path", None) or "dbsage"
            document = {"dbsage": JSON_VERSION, "error": _click_message(error),
                        "hint": f"see `{command_path} --help` for the arguments and options",
                        "error_type": "UsageError"}
            sys.stdout.write(json.dumps(document, indent=2) + "\n")
        _show_click_error(error)
        sys.exit(exit_code)
    except typer.Abort:
        sys.stderr.write("aborted\n")
        sys.exit(1)
    except ModuleNotFoundError as error:  # raised outside a command's `reporting` block (e.g. while importing it)
        from dbsage.agent.missing import missing_package

        typed = missing_package(error)
        if typed is None:
            raise
        try:
            fail(typed, "json" if _json_requested(sys.argv[1:]) else "table")
        except typer.Exit as done:
            sys.exit(done.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


def _json_requested(args: list[str]) -> bool:
    for n, arg in enumerate(args):
        if arg in ("--format=json", "-fjson"):
            return True
        if arg in ("--format", "-f") and n + 1 < len(args) and args[n + 1] == "json":
            return True
    return False


def _click_message(error: Exception) -> str:
    format_message = getattr(error, "format_message", None)
    return str(format_message()) if callable(format_message) else str(error)


def _show_click_error(error: Exception) -> None:
    from typer import rich_utils  # only on this error path: typer's own rendering of usage errors

    rich_utils.rich_format_error(error)  # type: ignore[arg-type]


def data_table(*headers: str, **options: Any) -> RichTable:
    """A rich table whose columns fold a long word onto the next line instead of cutting it with '…': cells carry
    identifiers and SQL that people copy, and an 80-column terminal must not lose them."""
    grid = RichTable(**options)
    for header in headers:
        grid.add_column(header, overflow="fold")
    return grid


def add_text_row(grid: RichTable, *cells: str) -> None:
    """Add a row of plain text: strings from the database or from fixes (`[mysqld]`) are never rich markup."""
    grid.add_row(*(Text(cell) for cell in cells))
