"""Slash commands: the deterministic tools, typed in the chat without a model (`/explain SELECT …`, `/check`, …).

Each command maps its text to one toolkit call, or to a built-in of the chat (/help, /kb). Parsing is pure so
it is tested without an app.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from dbsage.tools.errors import UsageError


@dataclass(frozen=True)
class SlashCommand:
    name: str
    usage: str
    does: str


COMMANDS: tuple[SlashCommand, ...] = (
    SlashCommand("explain", "/explain SQL", "the plan with its hot path and insights (explain_query)"),
    SlashCommand("sql", "/sql SQL", "run one read-only statement through the guard (run_query)"),
    SlashCommand("check", "/check [FAMILY]", "the health checkup, or one family of it (checkup)"),
    SlashCommand("top", "/top [total|mean|calls|io]", "the heaviest statements (top_statements)"),
    SlashCommand("advise", "/advise [propose]", "index advice proven by the planner; 'propose' files it"),
    SlashCommand("schema", "/schema [TABLE]", "one table's columns, indexes and sizes, or every object"),
    SlashCommand("kb", "/kb TEXT", "search the best-practice knowledge base"),
    SlashCommand("help", "/help", "commands and keys"),
)


@dataclass(frozen=True)
class Parsed:
    """A slash command: the tool call it makes (`tool`, `arguments`), or a built-in (`builtin`, `text`)."""

    tool: str | None = None
    arguments: dict[str, Any] | None = None
    builtin: str | None = None
    text: str = ""


def parse(line: str) -> Parsed:
    """The call `line` (starting with '/') stands for; a UsageError saying what is known otherwise."""
    name, _, rest = line.strip()[1:].partition(" ")
    name, rest = name.lower(), rest.strip()
    if name in ("help", "?", ""):
        return Parsed(builtin="help")
    if name == "kb":
        return Parsed(builtin="kb", text=_needs(rest, "/kb TEXT, e.g. /kb covering index"))
    if name == "explain":
        return Parsed("explain_query", {"sql": _needs(rest, "/explain SELECT …")})
    if name == "sql":
        return Parsed("run_query", {"sql": _needs(rest, "/sql SELECT …")})
    if name == "check":
        return Parsed("checkup", {"family": rest} if rest else {})
    if name == "top":
        return Parsed("top_statements", {"sort": rest} if rest else {})
    if name == "advise":
        return Parsed("advise_indexes", {"propose": rest.lower() in ("propose", "--propose")})
    if name == "schema":
        return Parsed("describe_object", {"name": rest}) if rest else Parsed("list_objects", {})
    known = " ".join(c.usage.split()[0] for c in COMMANDS)
    raise UsageError(f"unknown command /{name}", f"the commands are: {known} (/help explains them)")


def _needs(text: str, example: str) -> str:
    if not text:
        raise UsageError("this command needs an argument", f"for example {example}")
    return text


def help_markdown(keys: list[tuple[str, str]]) -> str:
    commands = "\n".join(f"- `{c.usage}` — {c.does}" for c in COMMANDS)
    key_lines = "\n".join(f"- `{key}` — {what}" for key, what in keys)
    return (f"**Commands** (no model needed); anything else is a question for dbsage:\n\n{commands}\n\n"
            f"**Keys:**\n\n{key_lines}\n")


def knowledge_search(text: str, k: int = 5, engine: str | None = None) -> str:
    """Best-practice passages for `text` as markdown, from the knowledge base (knowledge/) when it is installed."""
    try:
        module = importlib.import_module("dbsage.knowledge")
    except ImportError:
        module = None
    factory = getattr(module, "knowledge_base", None)
    if factory is None:
        return ("The knowledge base is not available in this installation. "
                "The diagnosis tools work without it: try /check or /explain.")
    found = factory().search(text, limit=k, engine=engine)
    lines = [f"**Knowledge base:** {text}"]
    if found.notice:
        lines.append(f"_{found.notice}_")
    for hit in found.results:
        lines.append(f"- **[kb:{hit.id}]** {hit.title} — {hit.section}\n\n  {hit.text[:600]}")
    if not found.results:
        lines.append("Nothing found: try other words.")
    return "\n\n".join(lines)
