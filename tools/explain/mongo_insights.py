"""Insights for MongoDB plans: each rule looks at one stage (or the query), says in plain words what is slow and why,
and drafts the fix — a `createIndex` in mongosh syntax by the ESR rule, a projection, an anchored pattern — for a
person to review; dbsage never runs it.

Rules: COLLSCAN of a large collection; an in-memory SORT (and the index that would give the order, or already
does); keys examined ≫ documents returned; documents examined ≫ returned (the FETCH filters what the index could
have); an index chosen against the ESR order; `$lookup` whose foreign field has no index; `$regex` without an
anchored prefix; a FETCH that a covering projection would avoid.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from dbsage.tools.advisor.mongo_shape import QueryShape, esr_index, esr_problem, provides_order, query_shape
from dbsage.tools.explain.insights import Insight
from dbsage.tools.explain.mongo_plan import INDEX_STAGES, SORT_STAGES, MongoPlan, MongoStage

BIG_COLLECTION = 10_000  # documents: below this a collection scan is quick enough
WASTE_RATIO = 10.0  # examined ≥ 10× returned: most of the reading is thrown away
MIN_WASTE = 1_000  # … and at least this many examined, so a tiny query is never flagged


class MongoIndexFacts(BaseModel):
    name: str
    keys: list[tuple[str, int | str]]
    unique: bool = False
    partial: bool = False
    sparse: bool = False

    @property
    def fields(self) -> list[str]:
        return [k for k, _d in self.keys]


class MongoCollectionFacts(BaseModel):
    name: str
    count: int | None = None
    indexes: list[MongoIndexFacts] = Field(default_factory=list)

    def index(self, name: str | None) -> MongoIndexFacts | None:
        return next((i for i in self.indexes if name and i.name == name), None)

    def led_by(self, field: str) -> MongoIndexFacts | None:
        return next((i for i in self.indexes if i.fields and i.fields[0] == field), None)


class MongoExplainContext(BaseModel):
    """What the rules may know beyond the plan, read by the engine: the collections' sizes and indexes."""

    collections: list[MongoCollectionFacts] = Field(default_factory=list)

    def collection(self, name: str | None) -> MongoCollectionFacts | None:
        return next((c for c in self.collections if name and c.name == name), None)


def _insight(stage: MongoStage | None, **fields: Any) -> Insight:
    return Insight(node_id=stage.id if stage else None, node=stage.label if stage else None, **fields)


def _size(plan: MongoPlan, ctx: MongoExplainContext, collection: str | None) -> int:
    facts = ctx.collection(collection)
    return max(facts.count or 0 if facts else 0, plan.docs_examined or 0)


def _fix(shape: QueryShape | None) -> str | None:
    index = esr_index(shape) if shape else None
    if index is None:
        return None
    return index.create_js() + ("  // " + "; ".join(index.notes) if index.notes else "")


def _returned(plan: MongoPlan) -> int:
    return plan.n_returned if plan.n_returned is not None else 0


# -- rules over one stage ----------------------------------------------------------------------------------------


def collection_scan(stage: MongoStage, plan: MongoPlan, ctx: MongoExplainContext,
                    shape: QueryShape | None) -> Insight | None:
    if stage.stage != "COLLSCAN":
        return None
    size = _size(plan, ctx, stage.collection)
    if size < BIG_COLLECTION:
        return None
    filtered = shape.filtered if shape else []
    returned = plan.n_returned
    detail = (f"{stage.label} reads every document ({size:,})"
              + (f" to return {returned:,}" if returned is not None else "")
              + (f"; the filter {json.dumps(stage.filter, default=str)} is tested on each one." if stage.filter
                 else "; nothing narrows it."))
    detail += (" An index by the ESR rule (equality fields, then the sort, then ranges) reads only the matching "
               "keys." if filtered or (shape and shape.sort) else " Only a filter or a smaller result helps.")
    return _insight(
        stage, rule="mongo_collscan", severity="high" if filtered else "medium",
        title=f"COLLSCAN of {stage.collection} ({size:,} documents)", detail=detail,
        evidence={"docs_examined": plan.docs_examined, "returned": returned, "collection_documents": size},
        fix=_fix(shape) if filtered or (shape and shape.sort) else None, kb="mongo-esr-rule")


def in_memory_sort(stage: MongoStage, plan: MongoPlan, ctx: MongoExplainContext,
                   shape: QueryShape | None) -> Insight | None:
    if stage.stage not in SORT_STAGES:
        return None
    sorted_rows = max((c.n_returned or 0 for c in stage.children), default=0) or plan.docs_examined or 0
    facts = ctx.collection(stage.collection or plan.collection)
    ordering = next((i for i in (facts.indexes if facts else []) if shape and provides_order(_ints(i.keys), shape)
                     and esr_problem(_ints(i.keys), shape) is None), None)
    pattern = "{" + ", ".join(f"{k}: {d}" for k, d in stage.sort_pattern) + "}"
    fix: str | None
    if ordering is not None:
        fix = (f"// the index {ordering.name} already returns this order; the planner chose another one. Compare "
               f"with .hint(\"{ordering.name}\") and keep the hint if it reads fewer keys")
        why = f"The index {ordering.name} {_keys(ordering.keys)} gives this order, but the planner did not choose it."
    else:
        fix = _fix(shape)
        why = ("No index returns the documents in this order after the equality fields; an index with the "
               "equality fields first and then the sort fields does, so the sort disappears and a limit stops early.")
    return _insight(
        stage, rule="mongo_in_memory_sort", severity="high" if stage.used_disk else "medium",
        title=f"in-memory sort by {pattern}" + (" spilled to disk" if stage.used_disk else ""),
        detail=(f"{stage.label}: the server sorts {sorted_rows:,} documents in memory (up to 100 MB, then it spills "
                f"to disk or fails) before returning any. {why}"),
        evidence={"sort": pattern, "documents_sorted": sorted_rows, "used_disk": stage.used_disk,
                  "ordering_index": ordering.name if ordering else None},
        fix=fix, kb="mongo-esr-rule")


def keys_vs_returned(stage: MongoStage, plan: MongoPlan, ctx: MongoExplainContext,
                     shape: QueryShape | None) -> Insight | None:
    if stage.stage not in INDEX_STAGES:
        return None
    keys = stage.keys_examined if stage.keys_examined is not None else plan.keys_examined
    returned = _returned(plan)
    if keys is None or keys < MIN_WASTE or keys < WASTE_RATIO * max(returned, 1):
        return None
    bounds = ", ".join(f"{k} {' ∪ '.join(v)}" for k, v in (stage.index_bounds or {}).items())
    return _insight(
        stage, rule="mongo_keys_examined", severity="medium",
        title=f"{stage.index_name} examines {keys:,} keys to return {returned:,} documents",
        detail=(f"{stage.label} walks {keys:,} index keys" + (f" (bounds {bounds})" if bounds else "")
                + f" for {returned:,} results: the index's leading fields do not narrow the scan to the matching "
                "keys — a range or sort field before an equality field, or a filtered field missing from the "
                "index. The ESR order stops the scan at the matching keys."),
        evidence={"keys_examined": keys, "returned": returned, "index": stage.index_name},
        fix=_fix(shape), kb="mongo-explain-execution-stats")


def docs_vs_returned(stage: MongoStage, plan: MongoPlan, ctx: MongoExplainContext,
                     shape: QueryShape | None) -> Insight | None:
    if stage.stage != "FETCH" or not any(c.stage in INDEX_STAGES for c in stage.children):
        return None
    docs = stage.docs_examined if stage.docs_examined is not None else plan.docs_examined
    returned = _returned(plan)
    if docs is None or docs < MIN_WASTE or docs < WASTE_RATIO * max(returned, 1):
        return None
    index = next(c for c in stage.children if c.stage in INDEX_STAGES)
    missing = [f for f in _filter_fields(stage.filter) if f not in [k for k, _d in index.key_pattern]]
    return _insight(
        stage, rule="mongo_docs_examined", severity="medium",
        title=f"{docs:,} documents fetched to return {returned:,}",
        detail=(f"{stage.label} loads {docs:,} documents found through {index.index_name} and throws most away: "
                + (f"the filter on {', '.join(missing)} is applied after the fetch because the index does not "
                   "hold " + ("that field" if len(missing) == 1 else "those fields") + ". " if missing else "")
                + "An index that also holds the filtered fields (ESR order) fetches only the matches."),
        evidence={"docs_examined": docs, "returned": returned, "index": index.index_name,
                  "filtered_after_fetch": ", ".join(missing) or None},
        fix=_fix(shape), kb="mongo-explain-execution-stats")


def _filter_fields(value: Any) -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in ("$and", "$or", "$nor") and isinstance(inner, list):
                for part in inner:
                    found += _filter_fields(part)
            elif not str(key).startswith("$"):
                found.append(str(key))
    return list(dict.fromkeys(found))


def against_esr(stage: MongoStage, plan: MongoPlan, ctx: MongoExplainContext,
                shape: QueryShape | None) -> Insight | None:
    if stage.stage != "IXSCAN" or shape is None or not stage.key_pattern:
        return None
    keys = [(k, d if isinstance(d, int) else 1) for k, d in stage.key_pattern]
    problem = esr_problem(keys, shape)
    if problem is None:
        return None
    return _insight(
        stage, rule="mongo_esr_order", severity="medium",
        title=f"{stage.index_name} {_keys(stage.key_pattern)} breaks the ESR order for this query",
        detail=(f"{stage.label}: {problem}. Equality fields first, then the sort fields, then the ranges lets one "
                "index seek to the matching keys and return them in order."),
        evidence={"index": stage.index_name, "keys": _keys(stage.key_pattern),
                  "keys_examined": stage.keys_examined, "returned": plan.n_returned},
        fix=_fix(shape), kb="mongo-esr-rule")


def lookup_without_index(stage: MongoStage, plan: MongoPlan, ctx: MongoExplainContext,
                         shape: QueryShape | None) -> Insight | None:
    if stage.stage not in ("$lookup", "EQ_LOOKUP") or not isinstance(stage.spec, dict):
        return None
    source = stage.spec.get("from") or stage.spec.get("foreignCollection")
    if isinstance(source, dict):  # {from: {db, coll}}
        source = source.get("coll")
    foreign = stage.spec.get("foreignField")
    if not isinstance(source, str) or not isinstance(foreign, str):
        return None  # a pipeline $lookup: its own stages decide
    source = source.split(".", 1)[1] if "." in source and source.split(".", 1)[0] == "" else source
    facts = ctx.collection(source)
    indexed = facts.led_by(foreign) if facts else None
    measured_scan = (stage.collection_scans or 0) > 0 or stage.strategy == "NestedLoopJoin"
    if indexed is not None and not measured_scan:
        return None
    if facts is None and not measured_scan and stage.indexes_used is None:
        return None  # nothing known about the foreign side
    scans = stage.collection_scans
    return _insight(
        stage, rule="mongo_lookup_without_index", severity="high",
        title=f"$lookup scans {source} for every document: no index on {foreign}",
        detail=(f"{stage.label}: each input document looks up {source}.{foreign}"
                + (f"; {scans:,} collection scans were measured" if scans else "")
                + (f" (strategy {stage.strategy})" if stage.strategy else "")
                + f". Without an index led by {foreign}, every lookup reads the whole {source} collection."),
        evidence={"from": source, "foreign_field": foreign, "collection_scans": scans,
                  "foreign_documents": facts.count if facts else None},
        fix=f"db.getCollection(\"{source}\").createIndex({{{_js_name(foreign)}: 1}})", kb="mongo-lookup-indexes")


def covering_projection(stage: MongoStage, plan: MongoPlan, ctx: MongoExplainContext,
                        shape: QueryShape | None) -> Insight | None:
    """A FETCH with no filter above an index scan, for a query that returns a few fields: a covered query would
    answer from the index alone."""
    if stage.stage != "FETCH" or stage.filter or shape is None or not shape.projection:
        return None
    scan = next((c for c in stage.children if c.stage == "IXSCAN"), None)
    if scan is None or scan.multikey:
        return None  # a multikey index cannot cover
    fields = [k for k, _d in scan.key_pattern]
    missing = [f for f in shape.projection if f not in fields]
    if len(missing) > 3:
        return None
    docs = stage.docs_examined if stage.docs_examined is not None else plan.docs_examined
    if missing:
        fix = _fix(shape)
        how = f"adding {', '.join(missing)} to the index"
    else:
        fix = "// add _id: 0 to the projection: every other projected field is already in " + (scan.index_name or "")
        how = "excluding _id (it is not in the index)"
    if shape.excludes_id is False and missing:
        how += " and excluding _id"
    return _insight(
        stage, rule="mongo_covering_projection", severity="low",
        title=f"a covering projection would skip fetching {docs if docs is not None else 'the'} documents",
        detail=(f"{stage.label}: the query returns only {', '.join(shape.projection)}, yet each match is fetched "
                f"from the collection. {how[0].upper()}{how[1:]} makes it a covered query, answered from "
                f"{scan.index_name or 'the index'} alone."),
        evidence={"projection": ", ".join(shape.projection), "index": scan.index_name, "docs_examined": docs},
        fix=fix, kb="mongo-covered-queries")


# -- rules over the query ----------------------------------------------------------------------------------------


def unanchored_regex(plan: MongoPlan, ctx: MongoExplainContext, shape: QueryShape | None) -> Insight | None:
    if shape is None:
        return None
    bad = [r for r in shape.regexes if not r.anchored]
    if not bad:
        return None
    regex = bad[0]
    scan = next((s for s in plan.stages() if s.stage in ("COLLSCAN", "IXSCAN")), plan.root)
    case = "i" in regex.flags
    return _insight(
        scan, rule="mongo_unanchored_regex", severity="medium",
        title=f"$regex /{regex.pattern}/{regex.flags} on {regex.field} has no anchored prefix",
        detail=(f"A pattern {'matched case-insensitively' if case else 'that does not start with ^'} has no fixed "
                f"prefix to seek to, so every {regex.field} key (or document) is tested. Anchor it "
                f"(/^{regex.pattern.lstrip('^')}/), "
                + ("use a case-insensitive collation index instead of the i flag, " if case else "")
                + "or use a text/Atlas Search index for words."),
        evidence={"field": regex.field, "pattern": regex.pattern, "flags": regex.flags or None},
        fix=(f"db.getCollection(\"{shape.collection}\").find({{{_js_name(regex.field)}: "
             f"/^{regex.pattern.lstrip('^')}/}})  // anchored, case-sensitive: an index range scan"),
        kb="mongo-regex-anchoring")


def _ints(keys: list[tuple[str, int | str]]) -> list[tuple[str, int]]:
    """Key directions as numbers: a special index ("text", "2dsphere", "hashed") counts as ascending here."""
    return [(k, d if isinstance(d, int) else 1) for k, d in keys]


def _keys(keys: list[tuple[str, Any]]) -> str:
    return "{" + ", ".join(f"{k}: {d}" for k, d in keys) + "}"


def _js_name(name: str) -> str:
    return name if name.replace("_", "a").isalnum() else json.dumps(name)


STAGE_RULES = [collection_scan, in_memory_sort, keys_vs_returned, docs_vs_returned, against_esr,
               lookup_without_index, covering_projection]


def mongo_insights(plan: MongoPlan, command: dict[str, Any], ctx: MongoExplainContext) -> list[Insight]:
    """Every rule over the plan and the command; one insight per rule and stage."""
    shape = query_shape(command)
    found: list[Insight] = []
    for stage in plan.stages():
        for rule in STAGE_RULES:
            insight = rule(stage, plan, ctx, shape)
            if insight is not None:
                found.append(insight)
    regex = unanchored_regex(plan, ctx, shape)
    if regex is not None:
        found.append(regex)
    return found
