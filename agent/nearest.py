"""Intent by the nearest example questions: the router's way to understand phrasing without a model.

Each intent has example questions; a question goes to the intent whose examples it is closest to, by the same
offline embedder the knowledge base uses (all-MiniLM-L6-v2, numpy). The router's keyword rules only break a near
tie, and take over entirely when the embedder is not installed. To teach the router a phrasing, add an example.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

EXAMPLES: dict[str, tuple[str, ...]] = {
    "top": (
        "what is slow?", "which queries take the most time", "show me the heaviest statements",
        "what is eating the database's CPU", "the most expensive queries", "top queries by total time",
        "which statements run most often", "what's hammering the server right now",
    ),
    "checkup": (
        "check the health of my database", "is anything wrong with the database?", "run a health check",
        "any problems I should know about?", "audit this database", "give me a checkup of the server",
        "is my database configured well", "what should I fix first on this server", "is something broken",
    ),
    "index health": (
        "which indexes are unused?", "do I have duplicate indexes", "are there redundant or invalid indexes",
        "which indexes are bloated", "indexes nobody uses", "are any of my indexes wasted",
        "is there an invalid index",
    ),
    "advise": (
        "suggest indexes", "what indexes should I add", "recommend indexes for my workload",
        "which new index would speed things up", "propose indexes", "index advice please",
        "what index is missing", "help me pick indexes for this database",
    ),
    "list": (
        "list tables", "what is in this database?", "show me the tables", "which collections are there",
        "what objects does the schema have", "give me an overview of the schema",
    ),
    "activity": (
        "what is running right now", "are there any locks", "which session is blocking the others",
        "show me idle in transaction sessions", "who is waiting on a lock", "is anything stuck at the moment",
        "list the active sessions", "any long running transactions open", "how many connections are busy",
    ),
    "proposals": (
        "which proposals are pending", "show the approval queue", "what changes are waiting for approval",
        "list the proposals you filed", "what did you propose so far",
    ),
    "schema health": (
        "foreign keys without an index", "which tables have no primary key", "are my constraints sane",
        "check the schema design for problems", "any missing primary keys",
    ),
    "performance": (
        "what is the cache hit ratio", "is the buffer cache big enough", "are queries spilling to temp files",
        "how often do checkpoints happen", "is the buffer pool hit rate ok",
    ),
    "settings": (
        "are the server settings right", "which parameters should I change", "is work_mem set sensibly",
        "review the database configuration parameters", "show me settings that look wrong",
    ),
    "maintenance": (
        "does anything need vacuum", "are there tables with many dead rows", "is autovacuum keeping up",
        "are the planner statistics stale", "any sequence close to running out", "how far is xid wraparound",
    ),
    "security": (
        "who has superuser", "is ssl enabled", "are passwords stored with md5", "who can create objects in public",
        "audit the roles and privileges",
    ),
    "reliability": (
        "is replication healthy", "how far behind is the replica", "is wal archiving working",
        "any inactive replication slots", "are backups configured",
    ),
    "knowledge": (
        "how do I add a column without locking the table", "what is the best way to paginate",
        "why does vacuum not remove dead rows", "how should I pick a primary key type",
        "what is the best practice for connection pooling", "how do I set up replication",
        "why does my index not get used with lower()", "how can I run a migration safely",
        "what does a lock timeout do", "how to back up and test restores",
        "when should I partition a table", "how do I avoid N+1 queries in my ORM",
    ),
}
TIE_MARGIN = 0.03   # closer than this, the keyword rules decide between the two nearest intents
MIN_SIMILARITY = 0.35  # below this nothing is near: the keyword rules alone decide


@cache
def _example_vectors() -> tuple[Any, list[str]] | None:
    from dbsage.knowledge.embedder import EmbedderMissing, load_embedder

    try:
        embedder = load_embedder()
    except EmbedderMissing:
        return None
    labels = [name for name, examples in EXAMPLES.items() for _ in examples]
    return embedder.embed([e for examples in EXAMPLES.values() for e in examples]), labels


def nearest_intents(question: str) -> list[tuple[str, float]] | None:
    """Intents with their best example similarity, nearest first; None without the embedder."""
    prepared = _example_vectors()
    if prepared is None:
        return None
    from dbsage.knowledge.embedder import load_embedder

    vectors, labels = prepared
    similarities = vectors @ load_embedder().embed_query(question)
    best: dict[str, float] = {}
    for label, similarity in zip(labels, similarities.tolist(), strict=True):
        best[label] = max(best.get(label, -1.0), similarity)
    return sorted(best.items(), key=lambda item: -item[1])


# "How do I / what is the best way / why does" asks for a practice, not for this database's numbers: the knowledge
# base answers it, whatever nouns it shares with the tool intents' examples.
_KNOWLEDGE_OPENERS = re.compile(r"(?i)^\s*(how (do|can|should|to|would)|what('s| is) the best|best (way|practice)|"
                                r"why (does|do|is|are|would)|when (should|to)|what does)\b")


def choose(question: str, keyword_choice: str | None) -> str | None:
    """The intent for `question`: a practice question goes to the knowledge base; otherwise the nearest examples,
    the keyword choice breaking a near tie (or standing alone without the embedder or without a near example)."""
    if _KNOWLEDGE_OPENERS.search(question):
        return "knowledge"
    ranked = nearest_intents(question)
    if ranked is None or ranked[0][1] < MIN_SIMILARITY:
        return keyword_choice
    (first, top), (second, runner_up) = ranked[0], ranked[1]
    if top - runner_up < TIE_MARGIN and keyword_choice in {first, second}:
        return keyword_choice
    return first
