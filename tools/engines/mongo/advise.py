"""`dbsage advise` on MongoDB: index candidates by the ESR rule for the workload's query shapes — from `--workload`
files (.json command documents, .js mongosh queries) or, by default, the profiler's shapes — verified on a scratch
copy when `--scratch mongodb://…/scratch_db` names a database dbsage may write, otherwise labelled heuristic.

MongoDB has no hypothetical indexes. On the scratch database dbsage copies a sample of each collection the workload
reads (and its existing indexes), explains every query (executionStats) before and after building the candidates,
and keeps a candidate only when a query's winning plan uses it and examines fewer keys and documents, or loses its
in-memory sort. The target is only read; the scratch must be another database, whose collections of the same names
dbsage replaces.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import pymongo
from pymongo.errors import PyMongoError

from dbsage.tools.advisor.candidate import IndexCandidate
from dbsage.tools.advisor.mongo_candidates import MongoCandidate, MongoWorkItem, candidates
from dbsage.tools.advisor.mongo_shape import query_shape
from dbsage.tools.advisor.report import AdviceReport, Recommendation, SkippedStatement, StatementCost
from dbsage.tools.engines.mongo.literals import to_bson
from dbsage.tools.engines.mongo.profiler import group_profile
from dbsage.tools.engines.mongo.top import read_profile
from dbsage.tools.errors import DbsageError, GuardRefusal, TargetUnreachable, UsageError
from dbsage.tools.explain.mongo_plan import SORT_STAGES, parse_explain
from dbsage.tools.guard import check_mongo
from dbsage.tools.guard.mongo_shell import parse_mongo_query
from dbsage.tools.redact import redact, redact_dsn

if TYPE_CHECKING:
    from pymongo.database import Database

    from dbsage.tools.advisor.workload import WorkloadStatement
    from dbsage.tools.engines.mongo.adapter import MongoEngine

SAMPLE_DOCUMENTS = 20_000
MAX_SHAPES = 200
_READS = ("find", "aggregate", "count", "distinct")


def advise_workload(engine: MongoEngine, statements: list[WorkloadStatement] | None, options: Any,
                    progress: Any = None) -> AdviceReport:
    started = time.monotonic()
    skipped: list[SkippedStatement] = []
    with engine._errors():
        engine._probe()
        if statements is None:
            items, source = profiler_items(engine, options.weight_by), "profiler (system.profile)"
            if not items:
                raise UsageError("the profiler holds no find/aggregate/count/distinct for this database yet",
                                 "turn it on (db.setProfilingLevel(1, {slowms: 100})) and let the application run "
                                 "a while, or give the queries (dbsage advise --workload FILE|DIR of .json/.js)")
        else:
            items, source = file_items(engine, statements, skipped), options.workload_source
        if not items:
            reasons = "; ".join(f"{s.statement_id}: {s.reason}" for s in skipped[:3])
            raise UsageError(f"no query of the workload could be read ({reasons or 'none was given'})",
                             "advise takes find/aggregate/count/distinct, as mongosh queries (.js) or command "
                             "documents (.json)")
        existing = existing_indexes(engine, items)
        found, served = candidates(items, existing, options.max_indexes)
        for candidate in found:
            candidate.index.given_name = candidate.neutral().name
        if progress:
            progress(f"{len(items)} queries, {len(found)} candidate indexes")
    report = AdviceReport(target=engine.target.display, verified=False, method="heuristic (unverified)",
                          workload_source=source, weight_by=options.weight_by, max_indexes=options.max_indexes,
                          skipped=skipped, candidates_considered=len(found))
    if options.scratch:
        verify_on_scratch(engine, options.scratch, items, found, report)
    else:
        _heuristic(items, found, report)
    for item_id, index in served.items():
        report.notes.append(f"{item_id}: already served by the existing index {index}")
    if options.budget_bytes:
        report.notes.append("--budget-mb is not applied on MongoDB: index sizes are not estimated here (use "
                            "--max-indexes to bound the advice)")
    report.elapsed_s = round(time.monotonic() - started, 2)
    return report


# -- the workload ------------------------------------------------------------------------------------------------


def _item(engine: MongoEngine, item_id: str, command: dict[str, Any], weight: float, preview: str) -> MongoWorkItem:
    guarded = check_mongo(command, max_time_ms=engine.limits.statement_timeout_ms)
    if guarded.name not in _READS:
        raise GuardRefusal(f"{guarded.name} is not a query an index can serve", "advise takes find, aggregate, "
                           "count and distinct")
    converted = to_bson(command)
    shape = query_shape(converted)
    if shape is None:
        raise DbsageError("no collection to index")
    return MongoWorkItem(id=item_id, database=engine.database().name, command=converted, shape=shape, weight=weight,
                         preview=preview)


def file_items(engine: MongoEngine, statements: list[WorkloadStatement],
               skipped: list[SkippedStatement]) -> list[MongoWorkItem]:
    items = []
    for statement in statements:
        try:
            query = parse_mongo_query(statement.sql)
            items.append(_item(engine, statement.id, query.command, statement.weight, statement.preview()))
        except GuardRefusal as refusal:
            skipped.append(SkippedStatement(statement_id=statement.id, preview=statement.preview(),
                                            reason=refusal.message, refused=True))
        except DbsageError as error:
            skipped.append(SkippedStatement(statement_id=statement.id, preview=statement.preview(),
                                            reason=error.message))
    return items


def profiler_items(engine: MongoEngine, weight_by: str) -> list[MongoWorkItem]:
    """The profiler's query shapes on the URI's database, weighed by calls or total time; each planned with its
    latest command (real values)."""
    database = engine.database().name
    items = []
    for shape in group_profile(read_profile(engine, database))[:MAX_SHAPES]:
        if shape.op not in _READS:
            continue
        weight = shape.total_ms if weight_by == "time" else float(shape.calls)
        try:
            items.append(_item(engine, shape.digest, shape.example, weight, shape.text[:80]))
        except DbsageError:
            continue
    return items


def existing_indexes(engine: MongoEngine,
                     items: list[MongoWorkItem]) -> dict[tuple[str, str], list[tuple[str, list[tuple[str, int]]]]]:
    found: dict[tuple[str, str], list[tuple[str, list[tuple[str, int]]]]] = {}
    for database, collection in sorted({(i.database, i.shape.collection) for i in items}):
        indexes = list(engine.database(database)[collection].list_indexes())
        found[(database, collection)] = [
            (str(i["name"]), [(str(k), v if isinstance(v, int) else 1) for k, v in i["key"].items()])
            for i in indexes]
    return found


# -- heuristic ---------------------------------------------------------------------------------------------------


def _recommendation(candidate: MongoCandidate, helps: list[StatementCost], benefit: float) -> Recommendation:
    neutral: IndexCandidate = candidate.neutral()
    notes = f"  // {'; '.join(candidate.index.notes)}" if candidate.index.notes else ""
    kind = ("compound" if len(candidate.index.keys) > 1 else "single-field") + (
        ", covering" if candidate.index.covering else "") + (", partial" if candidate.index.partial else "")
    return Recommendation(index=neutral, create_sql=candidate.index.create_js() + notes,
                          drop_sql=candidate.index.drop_js(), size_bytes=None, kind=f"{kind} (ESR)", helps=helps,
                          benefit=benefit)


def _heuristic(items: list[MongoWorkItem], found: list[MongoCandidate], report: AdviceReport) -> None:
    by_id = {i.id: i for i in items}
    for candidate in found:
        helps = [StatementCost(statement_id=i, preview=by_id[i].preview, weight=by_id[i].weight, cost_before=0.0,
                               cost_after=0.0) for i in candidate.serves]
        report.recommendations.append(_recommendation(candidate, helps, candidate.weight))
    report.statements = [StatementCost(statement_id=i.id, preview=i.preview, weight=i.weight, cost_before=0.0,
                                       cost_after=0.0) for i in items]
    report.notes.append("heuristic: each index follows the ESR rule for its queries and is ranked by the weight of "
                        "the queries it serves; nothing was built or explained. Verify on a copy with --scratch "
                        "mongodb://…/scratch_db (a database dbsage may write), or explain each query after "
                        "building the index in staging")


# -- verified on a scratch copy ----------------------------------------------------------------------------------


def scratch_database(engine: MongoEngine, scratch: str) -> tuple[pymongo.MongoClient[dict[str, Any]], str]:
    parts = urlsplit(scratch)
    name = unquote(parts.path.lstrip("/"))
    if parts.scheme not in ("mongodb", "mongodb+srv") or not name:
        raise UsageError("--scratch takes a mongodb:// URI with the scratch database in its path",
                         "e.g. --scratch mongodb://127.0.0.1:27017/dbsage_scratch")
    target = urlsplit(engine.target.dsn)
    if (parts.hostname, parts.port, name) == (target.hostname, target.port, engine.database().name):
        raise UsageError("--scratch names the target database itself; dbsage never writes there",
                         "name another database, e.g. …/dbsage_scratch")
    limits = engine.limits
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        scratch, appname="dbsage-scratch", timeoutMS=max(limits.statement_timeout_ms, 60_000),
        serverSelectionTimeoutMS=limits.connect_timeout_s * 1000)
    return client, name


def verify_on_scratch(engine: MongoEngine, scratch: str, items: list[MongoWorkItem], found: list[MongoCandidate],
                      report: AdviceReport) -> None:
    client, name = scratch_database(engine, scratch)
    try:
        db = client[name]
        for database, collection in sorted({(i.database, i.shape.collection) for i in items}):
            _copy(engine, database, collection, db)
        before = {i.id: _measure(db, i) for i in items}
        for candidate in found:
            options: dict[str, Any] = {"name": candidate.index.name}
            if candidate.index.partial:
                options["partialFilterExpression"] = candidate.index.partial
            db[candidate.index.collection].create_index(list(candidate.index.keys), **options)
        after = {i.id: _measure(db, i) for i in items}
    except PyMongoError as exc:
        raise TargetUnreachable(f"the scratch database failed: {redact_dsn(redact(str(exc)), scratch)[:300]}",
                                "check the --scratch URI and that this login may write there") from None
    finally:
        client.close()
    _verified(items, found, before, after, report)
    report.verified, report.method = True, "scratch copy"
    report.notes.append(f"verified on {name}: a sample of up to {SAMPLE_DOCUMENTS:,} documents per collection with "
                        "its indexes; cost = keys + documents examined (executionStats), a sort in memory adds the "
                        "documents it sorted")


def _copy(engine: MongoEngine, database: str, collection: str, scratch: Database[dict[str, Any]]) -> None:
    source = engine.database(database)[collection]
    scratch.drop_collection(collection)
    batch: list[dict[str, Any]] = []
    for document in source.aggregate([{"$sample": {"size": SAMPLE_DOCUMENTS}}]):
        batch.append(document)
        if len(batch) >= 1_000:
            scratch[collection].insert_many(batch, ordered=False)
            batch = []
    if batch:
        scratch[collection].insert_many(batch, ordered=False)
    for index in source.list_indexes():
        if index["name"] == "_id_":
            continue
        options = {k: v for k, v in index.items() if k in ("unique", "sparse", "partialFilterExpression",
                                                             "expireAfterSeconds", "collation")}
        scratch[collection].create_index(list(index["key"].items()), name=index["name"], **options)


def _measure(db: Database[dict[str, Any]], item: MongoWorkItem) -> tuple[float, list[str], bool]:
    """(keys + documents examined (+ documents sorted in memory), indexes the winning plan uses, sorts in memory)."""
    reply = db.command({"explain": item.command, "verbosity": "executionStats"})
    plan = parse_explain(reply)
    stages = plan.stages()
    sorts = [s for s in stages if s.stage in SORT_STAGES]
    sorted_documents = sum(max((c.n_returned or 0 for c in s.children), default=0) for s in sorts)
    cost = float((plan.keys_examined or 0) + (plan.docs_examined or 0) + sorted_documents)
    return cost, [s.index_name for s in stages if s.index_name], bool(sorts)


def _verified(items: list[MongoWorkItem], found: list[MongoCandidate],
              before: dict[str, tuple[float, list[str], bool]], after: dict[str, tuple[float, list[str], bool]],
              report: AdviceReport) -> None:
    by_id = {i.id: i for i in items}

    def cost(item_id: str) -> StatementCost:
        item = by_id[item_id]
        return StatementCost(statement_id=item_id, preview=item.preview, weight=item.weight,
                             cost_before=before[item_id][0], cost_after=after[item_id][0])

    for candidate in found:
        helps = [cost(i) for i in candidate.serves if candidate.index.name in after[i][1] and (
            after[i][0] < before[i][0] or (before[i][2] and not after[i][2]))]
        if not helps:
            report.notes.append(f"not recommended: {candidate.index.spec_js()} on {candidate.index.collection} — "
                                "the planner did not use it to read less on the scratch copy")
            continue
        benefit = sum((h.cost_before - h.cost_after) * h.weight for h in helps)
        report.recommendations.append(_recommendation(candidate, helps, benefit))
    report.recommendations.sort(key=lambda r: -r.benefit)
    report.statements = [cost(i.id) for i in items]
    report.cost_before = sum(s.cost_before * s.weight for s in report.statements)
    report.cost_after = sum(s.cost_after * s.weight for s in report.statements)

