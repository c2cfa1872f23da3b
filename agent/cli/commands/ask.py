"""`dbsage ask TEXT`: one question to the agent, one answer with the tool calls it made and the proposals it filed."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from dbsage.agent.cli.options import DbOption, FormatOption
from dbsage.agent.cli.output import Format, emit_json, reporting, stdout

if TYPE_CHECKING:
    from dbsage.agent.answer import Answer


def ask_command(
    question: Annotated[str, typer.Argument(metavar="TEXT", help="the question; '-' reads it from stdin")],
    db: DbOption = None,
    fmt: FormatOption = Format.table,
    router: Annotated[bool, typer.Option("--router", help="answer with the plain router, even with a model")] = False,
) -> None:
    """Ask one question (e.g. "why is this query slow: SELECT …"); with a model configured it is conversational."""
    from dbsage.agent.ask import answer_question
    from dbsage.agent.cli.render.answer import print_evidence
    from dbsage.agent.toolkit.context import ToolContext
    from dbsage.tools.errors import UsageError
    from dbsage.tools.targets import resolve

    with reporting(fmt.value):
        text = (sys.stdin.read() if question == "-" else question).strip()
        if not text:
            raise UsageError("no question to answer", 'pass one, e.g. dbsage ask "what is slow?"')
        ctx = ToolContext(resolve(db), origin="agent")
        streamed: list[str] = []

        def on_token(token: str) -> None:  # people see the answer as it is written; programs get one document
            streamed.append(token)
            sys.stdout.write(token)
            sys.stdout.flush()

        try:
            answer = answer_question(ctx, text, front_end="ask", use_model=not router,
                                     on_token=None if fmt is Format.json else on_token)
        finally:
            ctx.close()
        if fmt is Format.json:
            emit_json("ask", **answer.model_dump(mode="json"))
        else:
            if streamed:
                sys.stdout.write("\n")
            else:
                stdout.print(answer.answer, markup=False)
            print_evidence(answer)
        _exit_if_no_evidence(answer)


def _exit_if_no_evidence(answer: Answer) -> None:
    """Exit 1 when every tool call failed for a reason other than the guard (e.g. the database is unreachable):
    the answer was printed, but a script must not take it for one backed by evidence. The hint fits the first
    failure's type (a statement timeout is not a connection problem)."""
    from dbsage.agent.hints import hint_for

    calls = answer.tool_calls
    if answer.status == "stopped":
        sys.stderr.write(f"note: the turn stopped early: {answer.stopped_reason}\n")
    if calls and not any(c.ok or c.refused for c in calls):
        failed = calls[0]
        first = (failed.error or "").splitlines()[0] if failed.error else "unknown error"
        hint = hint_for("ask", failed.error_type, None) or failed.hint or "ask again"
        sys.stderr.write(f"error: no tool call succeeded, so the answer has no evidence (first: {first})\n"
                         f"  → {hint}\n")
        raise typer.Exit(1)
