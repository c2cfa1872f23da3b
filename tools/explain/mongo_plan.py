"""MongoDB `explain` output (find, count, distinct, aggregate; queryPlanner / executionStats / allPlansExecution) →
a tree of MongoStage, then the engine-neutral Plan.

Shapes read (MongoDB 4.4–8.0, as the server manual's "Explain Results" page documents them):
- a find/count/distinct: `queryPlanner.winningPlan` is a stage tree (`stage`, `inputStage`/`inputStages`); from 7.0
  a plan the slot-based engine runs is `winningPlan.queryPlan` beside `slotBasedPlan`. `executionStats.
  executionStages` repeats the tree with the figures (`nReturned`, `keysExamined`, `docsExamined`,
  `executionTimeMillisEstimate`, a SORT's `usedDisk`); the figures are merged into the winning plan's stages where
  the two trees have the same stages.
- an aggregate: either the same as a find (the whole pipeline ran in the query layer), or `stages`: a `$cursor`
  stage holding the query layer's explain, then one entry per remaining pipeline stage, each with `nReturned`,
  `executionTimeMillisEstimate` and, for `$lookup`, `totalDocsExamined`, `totalKeysExamined`, `collectionScans`,
  `indexesUsed`. Through mongos, `shards.<name>` holds each shard's explain.
- `rejectedPlans` (the candidates the planner tried and dropped) and `allPlansExecution` (their trial figures) are
  kept as summaries for the notes.

Pure functions (no driver); the engine runs explain with the guard and hands the document here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, Field

from dbsage.tools.errors import DatabaseError
from dbsage.tools.explain.plan import Plan, PlanNode

INDEX_STAGES = {"IXSCAN", "DISTINCT_SCAN", "COUNT_SCAN", "IDHACK", "EXPRESS_IXSCAN", "EXPRESS_CLUSTERED_IXSCAN"}
SORT_STAGES = {"SORT", "$sort"}


class MongoStage(BaseModel):
    """One stage of a MongoDB plan: a query-layer stage (COLLSCAN, IXSCAN, FETCH, SORT, PROJECTION_*, …) or an
    aggregation stage ($lookup, $group, $sort, …) above the query layer's `$cursor`."""

    id: int = 0
    stage: str
    collection: str | None = None
    index_name: str | None = None
    key_pattern: list[tuple[str, int | str]] = Field(default_factory=list)
    multikey: bool = False
    index_bounds: dict[str, list[str]] | None = None
    direction: str | None = None
    filter: Any = None
    sort_pattern: list[tuple[str, int | str]] = Field(default_factory=list)
    limit: int | None = None
    spec: Any = Field(default=None, description="the aggregation stage's own document ($lookup's from/…)")
    strategy: str | None = Field(default=None, description="EQ_LOOKUP's join strategy (7.0+ slot-based engine)")
    n_returned: int | None = None
    keys_examined: int | None = None
    docs_examined: int | None = None
    time_ms: float | None = Field(default=None, description="executionTimeMillisEstimate: this stage and below")
    used_disk: bool = False
    collection_scans: int | None = Field(default=None, description="$lookup: scans of the foreign collection")
    indexes_used: list[str] | None = None
    children: list[MongoStage] = Field(default_factory=list)

    def walk(self) -> Iterator[MongoStage]:
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def label(self) -> str:
        text = self.stage
        if self.index_name:
            text += f" using {self.index_name} {_pattern_text(self.key_pattern)}"
        if self.stage in SORT_STAGES and self.sort_pattern:
            text += f" by {_pattern_text(self.sort_pattern)}"
        if self.stage == "$lookup" and isinstance(self.spec, dict):
            text += f" from {self.spec.get('from')}"
        if self.collection and self.stage in ("COLLSCAN", "IXSCAN", "FETCH", "EQ_LOOKUP"):
            text += f" on {self.collection}"
        return text


class MongoPlan(BaseModel):
    """A parsed explain: the stage tree and the statement-level figures."""

    root: MongoStage
    collection: str | None = None
    verbosity: str = "queryPlanner"
    n_returned: int | None = None
    keys_examined: int | None = None
    docs_examined: int | None = None
    execution_ms: float | None = None
    rejected_plans: list[str] = Field(default_factory=list, description="each rejected plan, as a stage chain")
    trials: list[str] = Field(default_factory=list, description="allPlansExecution: each candidate's trial figures")

    @property
    def analyzed(self) -> bool:
        return self.n_returned is not None

    def stages(self) -> list[MongoStage]:
        return list(self.root.walk())


def _pattern(value: Any) -> list[tuple[str, int | str]]:
    if not isinstance(value, dict):
        return []
    return [(str(k), v if isinstance(v, int | str) else int(v)) for k, v in value.items()]


def _pattern_text(pairs: list[tuple[str, int | str]]) -> str:
    return "{" + ", ".join(f"{k}: {json.dumps(v) if isinstance(v, str) else v}" for k, v in pairs) + "}"


def _int(value: Any) -> int | None:
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None


def _inputs(raw: dict[str, Any]) -> list[dict[str, Any]]:
    inputs = raw.get("inputStages") or ([raw["inputStage"]] if isinstance(raw.get("inputStage"), dict) else [])
    for key in ("outerStage", "innerStage", "thenStage", "elseStage"):
        if isinstance(raw.get(key), dict):
            inputs.append(raw[key])
    return [i for i in inputs if isinstance(i, dict)]


def _stage(raw: dict[str, Any], collection: str | None) -> MongoStage:
    """A query-layer stage tree, with its execution figures when `raw` comes from executionStages."""
    stage = MongoStage(
        stage=str(raw.get("stage", "?")), collection=collection, index_name=raw.get("indexName"),
        key_pattern=_pattern(raw.get("keyPattern")), multikey=bool(raw.get("isMultiKey")),
        index_bounds=raw.get("indexBounds") if isinstance(raw.get("indexBounds"), dict) else None,
        direction=raw.get("direction"), filter=raw.get("filter"), sort_pattern=_pattern(raw.get("sortPattern")),
        limit=_int(raw.get("limitAmount")), strategy=raw.get("strategy"),
        spec={k: raw.get(k) for k in ("foreignCollection", "localField", "foreignField", "asField")}
        if raw.get("stage") == "EQ_LOOKUP" else None,
    )
    _figures(stage, raw)
    stage.children = [_stage(child, collection) for child in _inputs(raw)]
    return stage


def _figures(stage: MongoStage, raw: dict[str, Any]) -> None:
    stage.n_returned = _int(raw.get("nReturned"))
    stage.keys_examined = _int(raw.get("keysExamined", raw.get("totalKeysExamined")))
    stage.docs_examined = _int(raw.get("docsExamined", raw.get("totalDocsExamined")))
    stage.time_ms = _float(raw.get("executionTimeMillisEstimate"))
    stage.used_disk = bool(raw.get("usedDisk")) or bool(_int(raw.get("spills")))
    stage.collection_scans = _int(raw.get("collectionScans"))
    used = raw.get("indexesUsed")
    stage.indexes_used = [str(u) for u in used] if isinstance(used, list) else None


def _merge(plan: MongoStage, executed: dict[str, Any]) -> None:
    """Copy executionStages' figures onto the winning plan's stages, while both trees have the same stages."""
    if str(executed.get("stage")) != plan.stage:
        return
    _figures(plan, executed)
    for child, raw in zip(plan.children, _inputs(executed), strict=False):
        _merge(child, raw)


def _fill_totals(root: MongoStage, plan: MongoPlan) -> None:
    """When executionStages lacks a stage's own figures, give the statement's totals to the one stage that did the
    reading (a single COLLSCAN or index scan, a single FETCH), so the plan still shows where the work went."""
    stages = list(root.walk())
    scans = [s for s in stages if s.stage in INDEX_STAGES]
    collscans = [s for s in stages if s.stage == "COLLSCAN"]
    fetches = [s for s in stages if s.stage == "FETCH"]
    if len(scans) == 1 and scans[0].keys_examined is None:
        scans[0].keys_examined = plan.keys_examined
    if len(collscans) == 1 and collscans[0].docs_examined is None:
        collscans[0].docs_examined = plan.docs_examined
    elif not collscans and len(fetches) == 1 and fetches[0].docs_examined is None:
        fetches[0].docs_examined = plan.docs_examined


def _chain(raw: Any) -> str:
    """A plan as `FETCH ← IXSCAN {a: 1}`: how rejected plans are named in notes."""
    parts = []
    while isinstance(raw, dict):
        raw = raw.get("queryPlan", raw)
        text = str(raw.get("stage", "?"))
        if raw.get("indexName"):
            text += f" {raw['indexName']} {_pattern_text(_pattern(raw.get('keyPattern')))}"
        parts.append(text)
        inputs = _inputs(raw)
        raw = inputs[0] if inputs else None
    return " ← ".join(parts)


def _query_layer(doc: dict[str, Any], into: MongoPlan) -> MongoStage:
    planner = doc.get("queryPlanner") or {}
    namespace = str(planner.get("namespace") or "")
    collection = namespace.split(".", 1)[1] if "." in namespace else None
    into.collection = into.collection or collection
    winning = planner.get("winningPlan") or {}
    winning = winning.get("queryPlan", winning) if isinstance(winning, dict) else {}
    if not isinstance(winning, dict) or "stage" not in winning:
        raise DatabaseError("explain returned no winning plan", "run the explain yourself in mongosh to see why")
    root = _stage(winning, collection)
    into.rejected_plans += [_chain(p) for p in planner.get("rejectedPlans") or []]
    stats = doc.get("executionStats")
    if isinstance(stats, dict):
        into.verbosity = "executionStats"
        into.n_returned = _int(stats.get("nReturned"))
        into.keys_examined = _int(stats.get("totalKeysExamined"))
        into.docs_examined = _int(stats.get("totalDocsExamined"))
        into.execution_ms = _float(stats.get("executionTimeMillis"))
        executed = stats.get("executionStages")
        if isinstance(executed, dict):  # where the trees differ, merge from the first stage of the same name
            start = next((s for s in root.walk() if s.stage == str(executed.get("stage"))), root)
            _merge(start, executed)
        if root.n_returned is None:
            root.n_returned = into.n_returned
        _fill_totals(root, into)
        trials = stats.get("allPlansExecution")
        if isinstance(trials, list) and trials:
            into.verbosity = "allPlansExecution"
            for trial in trials:
                if isinstance(trial, dict):
                    into.trials.append(
                        f"{_chain(trial.get('executionStages'))}: {trial.get('nReturned', '?')} returned, "
                        f"{trial.get('totalKeysExamined', '?')} keys and {trial.get('totalDocsExamined', '?')} "
                        "documents examined in the trial")
    return root


def _pipeline(doc: dict[str, Any], into: MongoPlan) -> MongoStage:
    """`stages`: the $cursor's query layer at the bottom, each later stage above the one before it."""
    below: MongoStage | None = None
    for entry in doc.get("stages") or []:
        if not isinstance(entry, dict) or not entry:
            continue
        name = next(k for k in entry if k.startswith("$")) if any(k.startswith("$") for k in entry) else "?"
        if name == "$cursor":
            below = _query_layer(entry["$cursor"], into)
            continue
        spec = entry.get(name)
        stage = MongoStage(stage=name, collection=into.collection, spec=spec)
        _figures(stage, entry)
        if name == "$sort" and isinstance(spec, dict):
            stage.sort_pattern = _pattern(spec.get("sortKey", spec))
            stage.limit = _int(spec.get("limit"))
        stage.children = [below] if below is not None else []
        below = stage
    if below is None:
        raise DatabaseError("explain returned no pipeline stages", "run the explain yourself in mongosh")
    return below


def parse_explain(document: Any) -> MongoPlan:
    """The MongoPlan of one explain reply (a dict, or its JSON text); stage ids in pre-order from the root."""
    if isinstance(document, str | bytes):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            raise DatabaseError("explain did not return JSON", "run the explain yourself in mongosh") from None
    if not isinstance(document, dict):
        raise DatabaseError("explain returned no document", "run the explain yourself in mongosh")
    plan = MongoPlan(root=MongoStage(stage="?"))
    if isinstance(document.get("shards"), dict):  # through mongos: one explain per shard
        merge = MongoStage(stage="SHARD_MERGE")
        for _name, shard in sorted(document["shards"].items()):
            if isinstance(shard, dict):
                merge.children.append(_pipeline(shard, plan) if "stages" in shard else _query_layer(shard, plan))
        plan.root = merge
    elif "stages" in document:
        plan.root = _pipeline(document, plan)
    else:
        plan.root = _query_layer(document, plan)
    for number, stage in enumerate(plan.root.walk()):
        stage.id = number
    return plan


def to_plan(mongo: MongoPlan) -> Plan:
    """The engine-neutral Plan. MongoDB gives no costs: a stage's "cost" is the keys and documents it examined (or
    the rows it returned), so the hot path follows the reading work; with executionStats the figures are measured."""
    from dbsage.tools.explain.plan import _derive  # the shared derivation of shares and the hot path

    plan = Plan(root=_node(mongo.root), analyzed=mongo.analyzed, execution_ms=mongo.execution_ms)
    _derive(plan)
    return plan


def _node(stage: MongoStage) -> PlanNode:
    children = [_node(c) for c in stage.children]
    own = float((stage.keys_examined or 0) + (stage.docs_examined or 0))
    return PlanNode(
        id=stage.id, node_type=stage.stage, relation=stage.collection if stage.stage in (
            "COLLSCAN", "IXSCAN", "FETCH", "EQ_LOOKUP") else None,
        index_name=stage.index_name, join_type=stage.strategy,
        total_cost=own + sum(c.total_cost for c in children),
        plan_rows=float(stage.n_returned or 0),
        actual_rows=float(stage.n_returned) if stage.n_returned is not None else None,
        actual_loops=1 if stage.n_returned is not None else None,
        actual_total_ms=stage.time_ms,
        filter=json.dumps(stage.filter, default=str) if stage.filter else None,
        index_cond=_bounds_text(stage) if stage.index_name else None,
        sort_key=[_pattern_text(stage.sort_pattern)] if stage.sort_pattern else [],
        sort_space_type="Disk" if stage.used_disk else None,
        children=children,
    )


def _bounds_text(stage: MongoStage) -> str:
    if stage.index_bounds:
        return ", ".join(f"{k} {' ∪ '.join(v)}" for k, v in stage.index_bounds.items())
    return _pattern_text(stage.key_pattern)
