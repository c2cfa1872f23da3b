"""Knowledge-base results for people: passages with their ids to cite, a document, the list, index statistics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markdown import Markdown
from rich.text import Text

from dbsage.agent.cli.output import data_table, stderr, stdout

if TYPE_CHECKING:
    from dbsage.knowledge import KbDocument, KbSearchResult


def print_notice(notice: str | None, console: Console = stderr) -> None:
    if notice:
        console.print(Text(f"note: {notice}", "yellow"))


def print_search(result: KbSearchResult, console: Console = stdout) -> None:
    if not result.results:
        console.print("nothing in the knowledge base matches; try other words, or `dbsage kb list`")
        return
    for hit in result.results:
        console.print(Text.assemble((f"[kb:{hit.id}]", "bold cyan"), f" {hit.title} — ", (hit.section, "bold"),
                                    (f"  ({', '.join(hit.engines)}; score {hit.score:.4f})", "dim")))
        console.print(Markdown(hit.text))
        console.print()


def print_document(document: KbDocument, console: Console = stdout) -> None:
    console.print(Text.assemble((f"[kb:{document.id}]", "bold cyan"), f" · {', '.join(document.engines)}",
                                (f" · tags: {', '.join(document.tags)}" if document.tags else ""),
                                (f" · from version {document.min_version}" if document.min_version else "")))
    console.print(Markdown(document.body))
    for link in document.see_also:
        console.print(Text(f"see also: {link}", "dim"))


def print_list(documents: list[KbDocument], console: Console = stdout) -> None:
    grid = data_table("id", "engines", "title", title_justify="left")
    for doc in documents:
        grid.add_row(Text(doc.id), Text(", ".join(doc.engines)), Text(doc.title))
    console.print(grid)
    console.print(Text(f"{len(documents)} documents · `dbsage kb show ID` prints one", "dim"))


def print_index(stats: dict[str, Any], console: Console = stdout) -> None:
    mode = "dense + lexical" if stats.get("dense") else "lexical only"
    console.print(f"knowledge index ({mode}) at {stats['path']}: {stats['documents']} documents, "
                  f"{stats['passages']} passages; {stats['embedded_documents']} embedded now, "
                  f"{stats['removed_documents']} removed, in {stats['seconds']} s")
