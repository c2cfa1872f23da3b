"""The plain router: answers without a model by recognising the common intents and running the tools directly.

It understands "explain this query", "why is this query slow", "what is slow", "check health", "suggest indexes",
"describe table X" and "list tables". It composes its answer from the tools' summaries and always says that a
model would make it conversational. It never guesses: an unrecognised question gets the list of what it knows.
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
    """The SQL statement in a question: a fenced/backticked block first, else from the first SQL keyword on."""
    fenced = _FENCED.search(question)
    if fenced:
        text = (fenced[1] or fenced[2]).strip()
        if _SQL_START.match(text):
            return text.rstrip("; \n")
    match = _SQL_START.search(question)
    return match[0].strip().rstrip("; \n") if match else None


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


def _describe_intent(question: str) -> Plan | None:
    match = _OBJECT_BEFORE.search(question) or _OBJECT.search(question)
    return [("describe_object", {"name": match[1]})] if match else None


def _keyword_intent(words: str, plan: Plan) -> Callable[[str], Plan | None]:
    return lambda question: plan if _has(words, question) else None


INTENTS: list[Intent] = [
    Intent("query", "why is this query slow: SELECT … / explain SELECT … / run SELECT …", _sql_intent),
    # Questions about the indexes that exist are the checkup's (usage, duplicates), not the advisor's (new ones).
    Intent("index health", "which indexes are unused or duplicated?",
           _keyword_intent(r"unused|duplicate|redundant|invalid|bloat", [("checkup", {"family": "indexes"})])),
    Intent("advise", "suggest indexes (say 'propose' to file them)",
           lambda q: [("advise_indexes", {"propose": _has("propos|file", q)})]
           if _has(r"index|advi[cs]e|recommend", q) else None),
    Intent("top", "what is slow? / the heaviest statements",
           _keyword_intent(r"slow|heav|expensive|top|busiest|most time", [("top_statements", {})])),
    Intent("checkup", "check health / any problems?",
           _keyword_intent(r"health|check|problem|issue|wrong|audit", [("checkup", {})])),
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
}
_EXTRACTING = ("query", "describe")  # these need a statement or a name out of the question: their rules go first


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
                         notes=[*(w for o in outcomes for w in o.warnings), NO_MODEL_NOTE])
    if transcript:
        transcript.record("answer", text=result.answer, intent=routed[0] if routed else None)
    return result
