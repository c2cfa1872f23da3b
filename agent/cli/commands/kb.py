"""`dbsage kb search|show|list|index`: the best-practice knowledge base, offline, with document ids to cite.

Team documents come from `[knowledge] paths` in dbsage.toml or `--docs DIR`; their ids are namespaced by folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dbsage.agent.cli.options import FormatOption
from dbsage.agent.cli.output import Format, emit_json, reporting

kb_app = typer.Typer(help="Best-practice documents a senior DBA would cite: search, show, list, index.",
                     no_args_is_help=True)

DocsOption = Annotated[list[Path] | None, typer.Option(
    "--docs", help="Another folder of your team's markdown documents (repeatable); adds to [knowledge] paths.")]
EngineOption = Annotated[str | None, typer.Option("--engine", "-e", help="postgres, mysql or mongodb.")]


def _kb(docs: list[Path] | None):  # noqa: ANN202 - the type lives in dbsage.knowledge, imported lazily
    from dbsage.agent.cli.output import stderr
    from dbsage.knowledge import knowledge_base

    kb = knowledge_base(docs)
    kb.notify = lambda message: stderr.print(message, markup=False)  # stderr: --format json stays clean
    return kb


@kb_app.command("search")
def kb_search(text: Annotated[str, typer.Argument(help="Your question, in your own words.")],
              limit: Annotated[int, typer.Option("--limit", "-n", help="How many passages (1-50).")] = 5,
              engine: EngineOption = None, docs: DocsOption = None, fmt: FormatOption = Format.table) -> None:
    """Find the passages that answer a question, each with the id of its document."""
    from dbsage.agent.cli.render.knowledge import print_notice, print_search

    with reporting(fmt.value):
        result = _kb(docs).search(text, limit=limit, engine=engine)
        print_notice(result.notice)
        if fmt is Format.json:
            emit_json("kb search", query=result.query, engine=result.engine, mode=result.mode,
                      results=result.results)
            return
        print_search(result)


@kb_app.command("show")
def kb_show(doc_id: Annotated[str, typer.Argument(metavar="ID", help="A document id (see `dbsage kb list`).")],
            docs: DocsOption = None, fmt: FormatOption = Format.table) -> None:
    """Print one document."""
    from dbsage.agent.cli.render.knowledge import print_document

    with reporting(fmt.value):
        document = _kb(docs).get(doc_id)
        if fmt is Format.json:
            emit_json("kb show", document=document)
            return
        print_document(document)


@kb_app.command("list")
def kb_list(engine: EngineOption = None, docs: DocsOption = None, fmt: FormatOption = Format.table) -> None:
    """List the documents (id, engines, title)."""
    from dbsage.agent.cli.render.knowledge import print_list

    with reporting(fmt.value):
        documents = _kb(docs).list(engine)
        if fmt is Format.json:
            emit_json("kb list", documents=[d.model_dump(exclude={"body"}) for d in documents])
            return
        print_list(documents)


@kb_app.command("index")
def kb_index(rebuild: Annotated[bool, typer.Option("--rebuild", help="Drop the index and build it again.")] = False,
             docs: DocsOption = None, fmt: FormatOption = Format.table) -> None:
    """Build the search index now (it is otherwise built on first use and refreshed when a document changes)."""
    from dbsage.agent.cli.render.knowledge import print_index, print_notice

    with reporting(fmt.value):
        stats = _kb(docs).index(rebuild=rebuild)
        print_notice(stats.pop("notice", None))
        if fmt is Format.json:
            emit_json("kb index", **stats)
            return
        print_index(stats)
