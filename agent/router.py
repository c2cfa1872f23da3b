"""The plain router: answers without a model by recognising the common intents and running the tools directly.

It understands questions with a statement in them ("why is this query slow: SELECT …", "explain …", "run …", "would
an index on orders (customer_id) help SELECT …", "draft a migration to add an index on …"), "describe table X", and
questions by topic: what is slow, what runs now (locks, blocked and idle sessions), health (and one family of it:
indexes, cache hit ratio, settings, keys, vacuum, security, replication), index advice, the proposals queue, the
tables, and practice questions for the knowledge base. The statement is cut from the prose around it. It composes
its answer from the tools' summaries and always says that a model would make it conversational. It never guesses:
an unrecognised question gets the list of what it knows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dbsage.agent.answer import NO_MODEL_NOTE, Answer, answer_from, proposals_from
from dbsage.agent.hooks import TurnHooks
from dbsage.agent.toolkit.context import ToolContext
from dbsage.agent.toolkit.registry import ToolOutcome, call
from dbsage.agent.transcripts import Transcript

Plan = list[tuple[str, dict[str, Any]]]

# A statement, not an English sentence that happens to start with "select" or "with": SELECT … FROM / SELECT 1,
# WITH name AS (…), EXPLAIN of those, SHOW setting.
_SQL_START = re.compile(
    r"(?is)\b(?:select\s+.+?\bfrom\b.+|select\s+[\d'(].*|with\s+(?:recursive\s+)?\w+\s+as\s*(?:not\s+)?"
    r"(?:materialized\s+)?\(.+|explain\s+(?:analy[sz]e\s+|verbose\s+|\(.*?\)\s*)*(?:select|with)\s.+"
    r"|show\s+\w+\s*;?\s*$)")
_EXPLAIN_PREFIX = re.compile(r"(?is)^explain\s+(?:analy[sz]e\s+|verbose\s+|\(.*?\)\s*)*")
_FENCED = re.compile(r"```(?:sql)?\s*(.+?)```|`([^`]+)`", re.S)
_NAME = r"[\"`']?([A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)?)[\"`']?"
# "the orders table", "describe orders table": the name stands before the noun.
_OBJECT_BEFORE = re.compile(rf"(?i)\b(?:the|describe|show)\s+{_NAME}\s+(?:table|collection|view)\b")
_OBJECT = re.compile(r"(?i)\b(?:describe|structure of|columns (?:of|in)|schema of|definition of|about table|table)"
                     r"\s+(?:the\s+)?(?:table\s+)?[\"`']?([A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)?)")


def extract_sql(question: str) -> str | None:
    """The SQL statement in a question: a fenced/backticked block first, else from the first SQL keyword on, cut
    where the prose after it begins ("SELECT … ? it takes ages", "SELECT …. Why is it slow?")."""
    fenced = _FENCED.search(question)
    if fenced:
        text = (fenced[1] or fenced[2]).strip()
        if _SQL_START.match(text):
            return text.rstrip("; \n")
    match = _SQL_START.search(question)
    if not match:
        return None
    sql = _trim_prose(match[0].strip()).rstrip("; \n")
    return sql if _SQL_START.match(sql) else match[0].strip().rstrip("; \n")


# Where prose starts after a statement (outside quotes): a `;`; a `?` that is neither a placeholder (after an
# operator, a comma or a parenthesis) nor a jsonb operator (`? 'key'`, `?|`, `?&`); a full stop or `!` before a word;
# a dash before a question word; a blank line; or a clause people add ("it takes ages", "and why is it slow").
_PROSE_AFTER = re.compile(
    r"""(?isx)
      ;
    | (?<![=<>(,]\s)(?<![=<>(,])\?(?!\s*['|&])
    | (?<=[\w)'"])[.!](?=\s+\w|\s*$)
    | \s[—–]\s | \s-\s(?=(?:is|it|any|why|how|what|can|could|does|do|thanks|please|help)\b)
    | \n\s*\n
    | \s--(?=\s)
    | \s(?:and\s+|but\s+)?(?:why|how\s+(?:come|can|do)|it|this|that)\s+(?:is|was|takes|took|runs|keeps|seems|feels|
         gets|got|has|slow)\b
    | \s(?:and\s+)?(?:why\b|please\b|thanks\b|thank\s+you|any\s+ideas|can\s+you|could\s+you|help\b)
    | \s(?:is|runs|seems|feels|gets|got)\s+(?:so\s+|very\s+|really\s+|too\s+|super\s+)?(?:slow|sluggish)\b
    | \s(?:so\s+|too\s+)?(?:slow|fast|ok|okay|correct|right|efficient)\s*[?!.]*\s*$
    """)


def _trim_prose(text: str) -> str:
    """`text` up to the first prose boundary outside a quoted string or identifier."""
    quote = None
    for position, char in enumerate(text):
        if quote:
            quote = None if char == quote else quote
            continue
        if char in "'\"`":
            quote = char
            continue
        boundary = _PROSE_AFTER.match(text, position)
        if boundary and position > 0:
            return text[:position].rstrip()
    return text


def _has(words: str, question: str) -> bool:
    return re.search(rf"(?i)\b(?:{words})", question) is not None


def _plan_sql(question: str, sql: str) -> Plan:
    sql = _EXPLAIN_PREFIX.sub("", sql)  # "explain SELECT …": the explain tool makes the plan itself
    wants_speed = _has(r"slow|fast|speed|why|optimi[sz]|improve|tune|index", question)
    if wants_speed:
        # Files proposals only when asked to ("propose", "file"): "why is this slow" wants an answer, not a queue.
        return [("explain_query", {"sql": sql}),
                ("advise_indexes", {"statements": [sql], "propose": _has("propos|file", question)})]
    if _has(r"explain|plan|cost", question):
        return [("explain_query", {"sql": sql})]
    return [("run_query", {"sql": sql})]


@dataclass(frozen=True)
class Intent:
    name: str
    example: str
    plan: Callable[[str], Plan | None]


def _sql_intent(question: str) -> Plan | None:
    sql = extract_sql(question)
    return _plan_sql(question, sql) if sql else None


# "an index on orders (customer_id)", "CREATE INDEX ix ON public.orders USING hash (status)": the table and keys.
_INDEX_SPEC = re.compile(
    r"(?i)\b(?:create\s+(?:unique\s+)?index\b(?:\s+concurrently)?(?:\s+if\s+not\s+exists)?(?:\s+(?!on\b)\w+)?"
    r"\s+on\s+(?:only\s+)?|index\s+on\s+(?:the\s+)?)([\w.\"]+\s*(?:using\s+\w+\s*)?\((?:[^()]|\([^()]*\))*\))")


def _what_if_intent(question: str) -> Plan | None:
    """An index in mind and a statement to try it on: the planner's cost before and after."""
    indexes = [" ".join(m[1].split()) for m in _INDEX_SPEC.finditer(question)]
    if not indexes or not _has(r"would|help|what if|faster|speed|worth|improve|benefit|change", question):
        return None
    sql = extract_sql(_INDEX_SPEC.sub(" ", question))
    return [("what_if_indexes", {"statements": [sql], "indexes": indexes})] if sql else None


_TABLE_COLUMNS = re.compile(r"^([\w.\"]+)\s*\((.*)\)$", re.S)


def _migration_intent(question: str) -> Plan | None:
    """"draft a migration that adds an index on orders (customer_id)": the safe pattern, filed as a proposal."""
    if not _has(r"migration|draft", question):
        return None
    spec = _INDEX_SPEC.search(question)
    parts = _TABLE_COLUMNS.match(spec[1]) if spec else None
    if parts is None or not _has(r"index|unique", question):
        return None
    columns = [c.strip() for c in parts[2].split(",") if c.strip()]
    intent = "add-unique" if _has(r"unique", question) else "add-index"
    return [("draft_migration", {"intent": intent, "table": parts[1].strip('"'), "columns": columns})]


# Words that follow "table" in a sentence without being a table's name ("which table has no primary key").
_NOT_NAMES = frozenset({"has", "have", "had", "is", "are", "was", "were", "with", "without", "in", "of", "on", "for",
                        "that", "which", "do", "does", "did", "size", "sizes", "should", "would", "could", "can",
                        "will", "needs", "gets", "got", "takes", "lacks", "holds", "scan", "scans", "bloat"})


def _describe_intent(question: str) -> Plan | None:
    match = _OBJECT_BEFORE.search(question) or _OBJECT.search(question)
    if match is None or match[1].lower() in _NOT_NAMES:
        return None
    return [("describe_object", {"name": match[1]})]


def _keyword_intent(words: str, plan: Plan) -> Callable[[str], Plan | None]:
    return lambda question: plan if _has(words, question) else None


def _family_intent(words: str, family: str) -> Callable[[str], Plan | None]:
    return _keyword_intent(words, [("checkup", {"family": family})])


def _proposals_plan(question: str) -> Plan:
    status = next((s for s in ("pending", "approved", "rejected", "applied", "withdrawn") if s in question.lower()),
                  None)
    return [("list_proposals", {"status": status} if status else {})]


INTENTS: list[Intent] = [
    Intent("what if", "would an index on orders (customer_id) help SELECT … ?", _what_if_intent),
    Intent("migration", "draft a migration to add an index on orders (customer_id)", _migration_intent),
    Intent("query", "why is this query slow: SELECT … / explain SELECT … / run SELECT …", _sql_intent),
    Intent("proposals", "which proposals are pending?",
           lambda q: _proposals_plan(q) if _has(r"proposals\b|approval queue|awaiting approval", q)
           and not _has(r"index|file\b", q) else None),
    Intent("activity", "what is running right now? / any locks or blocked sessions? / idle in transaction?",
           _keyword_intent(r"right now|at (the|this) moment|currently|running now|executing|locks?\b|locked|lock waits?"
                           r"|block(ing|ed|s)|waiting|stuck|hang|idle|sessions|connections|long[- ]running|in progress"
                           r"|open transactions?|transactions? (open|running)",
                           [("activity_now", {})])),
    # Questions about the indexes that exist are the checkup's (usage, duplicates), not the advisor's (new ones).
    Intent("index health", "which indexes are unused or duplicated?",
           _keyword_intent(r"unused|duplicate|redundant|invalid|bloat", [("checkup", {"family": "indexes"})])),
    Intent("schema health", "foreign keys without an index? tables without a primary key?",
           _family_intent(r"foreign.?keys?|primary.?keys?|\bfks?\b|constraints?|partition", "schema")),
    Intent("performance", "what is the cache hit ratio?",
           _family_intent(r"cache|hit ratio|hit rate|buffer pool|temp files|checkpoint|spill", "performance")),
    Intent("settings", "are the server settings right?",
           _family_intent(r"settings?|config|parameters?|knobs|work_mem|shared_buffers|max_connections|\.conf",
                          "configuration")),
    Intent("maintenance", "does anything need vacuum?",
           _family_intent(r"vacuum|dead (rows|tuples)|wraparound|stale stat|statistics|sequence|xid", "maintenance")),
    Intent("security", "who is superuser? is ssl on?",
           _family_intent(r"secur|superuser|\bssl\b|tls|password|privilege|permission|grant|roles?\b",
                          "security")),
    Intent("reliability", "is replication healthy?",
           _family_intent(r"replica|replication|standby|archiv|backup|\bwal\b|slots?\b|failover", "reliability")),
    Intent("advise", "suggest indexes (say 'propose' to file them)",
           lambda q: [("advise_indexes", {"propose": _has("propos|file", q)})]
           if _has(r"index|advi[cs]e|recommend", q) else None),
    Intent("top", "what is slow? / the heaviest statements",
           _keyword_intent(r"slow|heav|expensive|top|busiest|most time|cpu|hog", [("top_statements", {})])),
    Intent("checkup", "check health / any problems?",
           _keyword_intent(r"health|check|problem|issue|wrong|audit|worry", [("checkup", {})])),
    Intent("describe", "describe table orders", _describe_intent),
    Intent("list", "list tables / what is in this database?",
           _keyword_intent(r"tables|objects|schema|collections|what.{0,20}(in|inside)", [("list_objects", {})])),
]


# The plan of each intent that agent/nearest.py can choose by example questions (no extraction needed).
_PLANS: dict[str, Callable[[str], Plan]] = {
    "index health": lambda q: [("checkup", {"family": "indexes"})],
    "advise": lambda q: [("advise_indexes", {"propose": _has("propos|file", q)})],
    "top": lambda q: [("top_statements", {})],
    "checkup": lambda q: [("checkup", {})],
    "list": lambda q: [("list_objects", {})],
    "knowledge": lambda q: [("search_knowledge", {"query": q})],
    "activity": lambda q: [("activity_now", {})],
    "proposals": _proposals_plan,
    "schema health": lambda q: [("checkup", {"family": "schema"})],
    "performance": lambda q: [("checkup", {"family": "performance"})],
    "settings": lambda q: [("checkup", {"family": "configuration"})],
    "maintenance": lambda q: [("checkup", {"family": "maintenance"})],
    "security": lambda q: [("checkup", {"family": "security"})],
    "reliability": lambda q: [("checkup", {"family": "reliability"})],
}
_EXTRACTING = ("what if", "migration", "query", "describe")  # these need a statement or a name out of the question:
# their rules go first


def route(question: str) -> tuple[str, Plan] | None:
    """The intent of the question, with the tool calls it makes: a statement or a named object first; otherwise
    the nearest example questions (agent/nearest.py), the keyword rules breaking a near tie."""
    from dbsage.agent.nearest import choose

    for intent in INTENTS:
        if intent.name in _EXTRACTING:
            plan = intent.plan(question)
            if plan is not None:
                return intent.name, plan
    keyword = next((i.name for i in INTENTS if i.name not in _EXTRACTING and i.plan(question) is not None), None)
    chosen = choose(question, keyword)
    return (chosen, _PLANS[chosen](question)) if chosen else None


def _section(outcome: ToolOutcome) -> str:
    if outcome.ok:
        return f"## {outcome.tool}\n{outcome.summary}"
    kind = "refused by the read-only guard" if outcome.refused else "failed"
    hint = f"\n→ {outcome.hint}" if outcome.hint else ""
    return f"## {outcome.tool} {kind}\n{outcome.error}{hint}"


def _compose(outcomes: list[ToolOutcome]) -> str:
    parts = [_section(o) for o in outcomes]
    parts += [f"Warning: {w}." for o in outcomes for w in o.warnings]
    for p in proposals_from(outcomes):
        parts.append(f"Filed proposal {p.id} ({p.status}): {p.title}. Nothing was changed: a person reviews it "
                     f"with `dbsage proposals show {p.id}` and approves it with `dbsage proposals approve {p.id}`.")
    return "\n\n".join(parts)


def _not_understood() -> str:
    examples = "\n".join(f"- {intent.example}" for intent in INTENTS)
    return f"Without a model I can only answer questions like:\n{examples}"


def answer(ctx: ToolContext, question: str, transcript: Transcript | None = None,
           hooks: TurnHooks | None = None) -> Answer:
    """Answer `question` by running the tools its intent calls for; `hooks` watch each call and may cancel."""
    hooks = hooks or TurnHooks()
    if transcript:
        transcript.record("user", text=question)
    routed = route(question)
    outcomes: list[ToolOutcome] = []
    for tool, arguments in routed[1] if routed else []:
        hooks.tool_started(tool, arguments)
        outcomes.append(call(ctx, tool, arguments))
        if transcript:
            transcript.record("tool", **outcomes[-1].model_dump(mode="json"))
        hooks.tool_finished(outcomes[-1])
    text = _compose(outcomes) if routed else _not_understood()
    result = answer_from(question, "router", f"{text}\n\n({NO_MODEL_NOTE})", outcomes, transcript=transcript,
                         notes=[*(w for o in outcomes for w in o.warnings), NO_MODEL_NOTE],
                         intent=routed[0] if routed else None)
    if transcript:
        transcript.record("answer", text=result.answer, intent=routed[0] if routed else None)
    return result
