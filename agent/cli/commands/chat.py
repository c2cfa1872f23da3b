"""`dbsage chat`: the terminal chat (agent/tui/) on one database, new or resumed from a saved conversation."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from dbsage.agent.cli.options import DbOption
from dbsage.agent.cli.output import reporting


def chat_command(
    db: DbOption = None,
    resume: Annotated[str | None, typer.Option("--resume", metavar="ID",
                                               help="continue a saved conversation (its id is in the transcript "
                                                    "file's name, and in `dbsage ask --format json`)")] = None,
    router: Annotated[bool, typer.Option("--router", help="use the plain router, even with a model")] = False,
) -> None:
    """Chat with dbsage in the terminal: answers streamed with their evidence, the schema, proposals to decide."""
    from dbsage.tools.errors import UsageError
    from dbsage.tools.targets import resolve

    with reporting():
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise UsageError("dbsage chat needs a terminal", 'for scripts and pipes use `dbsage ask "…"` instead')
        target = resolve(db)
        if resume is not None:
            from dbsage.agent.session import find_transcript

            find_transcript(resume)  # an unknown id is a usage error here, before the screen takes over
        from dbsage.agent.tui import run_chat

        run_chat(target, resume=resume, use_model=not router)
