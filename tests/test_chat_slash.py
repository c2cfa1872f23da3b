"""Slash commands map to the deterministic tools (pure parsing, table-driven)."""

from __future__ import annotations

import pytest

from dbsage.agent.tui.slash import COMMANDS, help_markdown, knowledge_search, parse
from dbsage.tools.errors import UsageError


@pytest.mark.parametrize(("line", "tool", "arguments"), [
    ("/explain SELECT * FROM t WHERE a = 1", "explain_query", {"sql": "SELECT * FROM t WHERE a = 1"}),
    ("/EXPLAIN   select 1", "explain_query", {"sql": "select 1"}),
    ("/sql SELECT count(*) FROM t", "run_query", {"sql": "SELECT count(*) FROM t"}),
    ("/check", "checkup", {}),
    ("/check indexes", "checkup", {"family": "indexes"}),
    ("/top", "top_statements", {}),
    ("/top mean", "top_statements", {"sort": "mean"}),
    ("/advise", "advise_indexes", {"propose": False}),
    ("/advise propose", "advise_indexes", {"propose": True}),
    ("/schema", "list_objects", {}),
    ("/schema public.orders", "describe_object", {"name": "public.orders"}),
])
def test_a_command_is_one_tool_call(line: str, tool: str, arguments: dict[str, object]) -> None:
    parsed = parse(line)
    assert (parsed.tool, parsed.arguments, parsed.builtin) == (tool, arguments, None)


@pytest.mark.parametrize(("line", "builtin", "text"), [("/help", "help", ""), ("/", "help", ""),
                                                       ("/kb covering index", "kb", "covering index")])
def test_built_ins(line: str, builtin: str, text: str) -> None:
    parsed = parse(line)
    assert (parsed.builtin, parsed.text, parsed.tool) == (builtin, text, None)


@pytest.mark.parametrize(("line", "message", "hint"), [
    ("/explain", "needs an argument", "/explain SELECT"),
    ("/kb", "needs an argument", "/kb covering index"),
    ("/drop table t", "unknown command /drop", "/explain /sql /check"),
])
def test_bad_commands_say_what_to_type(line: str, message: str, hint: str) -> None:
    with pytest.raises(UsageError) as error:
        parse(line)
    assert message in error.value.message and hint in (error.value.hint or "")


def test_help_lists_every_command_and_the_keys() -> None:
    text = help_markdown([("f4", "connections")])
    assert all(f"`{c.usage}`" in text for c in COMMANDS) and "`f4` — connections" in text


def test_kb_cites_the_knowledge_base() -> None:
    text = knowledge_search("add a column with a default without rewriting the table", k=3)
    assert text.startswith("**Knowledge base:**") and text.count("- **[kb:") == 3  # one line per passage
