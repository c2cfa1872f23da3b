"""`dbsage explain` on MongoDB: read the query (mongosh syntax or a JSON command document, never evaluated), pass it
through the guard, run `explain` with `executionStats` (`allPlansExecution` with --analyze), read the sizes and
indexes of the collections it touches, and let tools/explain/mongo_insights judge the plan.

executionStats runs the query's reading part (the guard allows reads only, and maxTimeMS stops it); writing stages
were refused before the server saw anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pymongo.errors import OperationFailure

from dbsage.tools.advisor.mongo_shape import query_shape
from dbsage.tools.engines.mongo.literals import to_bson
from dbsage.tools.explain.analysis import ExplainResult
from dbsage.tools.explain.mongo_insights import (
    MongoCollectionFacts,
    MongoExplainContext,
    MongoIndexFacts,
    mongo_insights,
)
from dbsage.tools.explain.mongo_plan import MongoPlan, parse_explain, to_plan
from dbsage.tools.guard import check_mongo
from dbsage.tools.guard.mongo_shell import parse_mongo_query

if TYPE_CHECKING:
    from pymongo.database import Database

    from dbsage.tools.engines.mongo.adapter import MongoEngine

_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}


def explain_statement(engine: MongoEngine, text: str, analyze: bool = False) -> ExplainResult:
    query = parse_mongo_query(text)  # a write or JavaScript is refused here (GuardRefusal, exit 3)
    verbosity = "allPlansExecution" if analyze else query.verbosity or "executionStats"
    if verbosity == "queryPlanner" and not analyze:
        verbosity = "executionStats"  # the insights need the figures; a read is safe to run under maxTimeMS
    check_mongo(query.command)  # the command on its own first: an insert is refused as a write, not as "explain"
    guarded = check_mongo({"explain": query.command, "verbosity": verbosity},
                          max_time_ms=engine.limits.statement_timeout_ms)
    with engine._errors():
        engine._probe()
        db = engine.database()
        reply = db.command(to_bson(guarded.command))
        plan = parse_explain(reply)
        context = read_context(db, plan, query.command)
    insights = mongo_insights(plan, query.command, context)
    neutral = to_plan(plan)
    shares = {node.id: node.share for node in neutral.nodes()}
    insights.sort(key=lambda i: (_ORDER[i.severity], -shares.get(i.node_id or 0, 0.0)))
    return ExplainResult(sql=text.strip(), analyzed=plan.analyzed, plan=neutral, insights=insights,
                         notes=notes(plan, verbosity))


def notes(plan: MongoPlan, verbosity: str) -> list[str]:
    found = [f"explain verbosity {verbosity}: the query's reading part ran under maxTimeMS; figures are measured"
             if plan.analyzed else "queryPlanner only: no figures"]
    if plan.analyzed:
        found.append(f"{plan.n_returned:,} returned, {plan.keys_examined or 0:,} keys and "
                     f"{plan.docs_examined or 0:,} documents examined"
                     + (f", {plan.execution_ms:g} ms" if plan.execution_ms is not None else ""))
    for rejected in plan.rejected_plans[:5]:
        found.append(f"rejected plan: {rejected}")
    for trial in plan.trials[:5]:
        found.append(f"candidate plan trial: {trial}")
    return found


def read_context(db: Database[dict[str, Any]], plan: MongoPlan, command: dict[str, Any]) -> MongoExplainContext:
    """Document counts (from metadata, never a scan) and indexes of the collection and its $lookup sources."""
    shape = query_shape(command)
    names = {plan.collection} if plan.collection else set()
    if shape is not None:
        names.add(shape.collection)
        names.update(lookup.source for lookup in shape.lookups)
    context = MongoExplainContext()
    for name in sorted(n for n in names if n):
        context.collections.append(collection_facts(db, name))
    return context


def collection_facts(db: Database[dict[str, Any]], name: str) -> MongoCollectionFacts:
    facts = MongoCollectionFacts(name=name)
    try:
        facts.count = int(db.command({"count": name}).get("n", 0))  # no query: the metadata count
        facts.indexes = [index_facts(dict(spec)) for spec in db[name].list_indexes()]
    except OperationFailure:
        pass  # a view, or a login that may not read it: the rules work from the plan alone
    return facts


def index_facts(spec: dict[str, Any]) -> MongoIndexFacts:
    keys = [(str(k), v if isinstance(v, str) else int(v)) for k, v in dict(spec.get("key") or {}).items()]
    return MongoIndexFacts(name=str(spec.get("name")), keys=keys, unique=bool(spec.get("unique")),
                           partial="partialFilterExpression" in spec, sparse=bool(spec.get("sparse")))
