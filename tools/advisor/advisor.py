"""The advisor's pipeline: guard → analyse → plan without new indexes → candidates → costed search → report."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dbsage.tools.advisor.access import SchemaMap, TableAccess, analyze
from dbsage.tools.advisor.backend import PlanCost, WhatIfBackend
from dbsage.tools.advisor.candidate import IndexCandidate
from dbsage.tools.advisor.candidates import generate, leading_keys
from dbsage.tools.advisor.ddl import partition_aware
from dbsage.tools.advisor.drops import drop_candidates
from dbsage.tools.advisor.facts import CandidateContext
from dbsage.tools.advisor.heuristic import rank
from dbsage.tools.advisor.report import (
    AdviceReport,
    Recommendation,
    SkippedStatement,
    StatementCost,
    UnusableCandidate,
)
from dbsage.tools.advisor.search import IndexSearch, SearchSpace
from dbsage.tools.advisor.workload import WeightBy, WorkloadStatement
from dbsage.tools.errors import DbsageError, GuardRefusal, UsageError
from dbsage.tools.schema import SchemaSnapshot

if TYPE_CHECKING:
    from dbsage.tools.engines.base import Engine

Progress = Callable[[str], None]
MAX_CANDIDATES = 200
MIN_GAIN_SHARE = 0.001  # an index must save at least 0.1% of the workload's remaining cost to be worth its writes
MIN_STATEMENT_GAIN = 0.02  # ... and make at least one statement 2% cheaper on its own


@dataclass
class AdviseOptions:
    budget_bytes: int | None = None
    max_indexes: int | None = None
    max_seconds: float = 60.0
    weight_by: WeightBy = "calls"
    workload_source: str = "files"
    scratch: str | None = None  # a database the advisor may write, for engines without hypothetical indexes
    min_stats_age_days: float = 7.0  # below this, a 0-scan index is "too early to tell", never "unused"


@dataclass
class _Admitted:
    statement: WorkloadStatement
    accesses: list[TableAccess]
    base: PlanCost


@dataclass
class _Run:
    backend: WhatIfBackend
    schema: SchemaSnapshot
    options: AdviseOptions
    progress: Progress
    started: float = field(default_factory=time.monotonic)
    admitted: dict[str, _Admitted] = field(default_factory=dict)
    skipped: list[SkippedStatement] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)


def schema_map(schema: SchemaSnapshot) -> SchemaMap:
    mapping: SchemaMap = {}
    for table in schema.tables:
        mapping.setdefault(table.schema_name, {})[table.name] = {c.name: c.type for c in table.columns}
    return mapping


def advise(backend: WhatIfBackend, schema: SchemaSnapshot, statements: list[WorkloadStatement],
           options: AdviseOptions, progress: Progress | None = None) -> AdviceReport:
    """Recommend indexes for `statements`. Every statement passes the read-only guard before it is planned."""
    run = _Run(backend, schema, options, progress or (lambda _m: None))
    _admit(run, statements)
    _weigh(run)
    tables = {a.table_key for item in run.admitted.values() for a in item.accesses}
    context = CandidateContext(facts=backend.table_facts(tables) if tables else {},
                               hash_indexes=options.budget_bytes is not None)  # hash: smaller, for equality only
    suggested = generate({q: a.accesses for q, a in run.admitted.items()}, schema, context)
    suggested, unusable = _buildable(run, suggested)
    run.progress(f"{len(run.admitted)} statements planned, {len(suggested)} candidate indexes")
    report = _verified(run, suggested) if backend.hypothetical else _heuristic(run, suggested)
    report.unusable_candidates = unusable
    report.notes += context.notes
    partition_aware(report, schema)  # DDL the server accepts on partitioned tables (tools/index_ddl)
    report.elapsed_s = round(time.monotonic() - run.started, 2)
    report.plans_costed = backend.plans_costed
    return report


def advise_database(engine: Engine, statements: list[WorkloadStatement] | None, options: AdviseOptions,
                    progress: Progress | None = None) -> AdviceReport:
    """`advise` on the engine's own schema and what-if session; `statements=None` takes the statistics view's
    workload (weighed by `options.weight_by`). Raises UsageError when that view is empty, and when no statement
    could be analysed: a cost of 0 → 0 would read as "no index needed"."""
    own = getattr(engine, "advise_workload", None)  # an engine without hypothetical indexes (MySQL) advises its
    if own is not None:  # own way: candidates verified on a scratch copy, or labelled heuristic
        report: AdviceReport = own(statements, options, progress)
        return report
    schema = engine.introspect()
    with engine.what_if() as backend:
        if statements is None:
            statements = backend.statistics_workload(options.weight_by)
            if not statements:
                raise UsageError("pg_stat_statements holds no query for this database yet",
                                 "let the application run a while, or give the statements to advise "
                                 "(dbsage advise --workload FILE|DIR)")
        report = advise(backend, schema, statements, options, progress)
    if not report.statements:  # every statement was refused or skipped
        reasons = "; ".join(f"{s.statement_id}: {s.reason}" for s in report.skipped[:3])
        raise UsageError(f"no statement of the workload could be analysed ({reasons or 'none was given'})",
                         "advise takes the application's read queries (SELECT); fix or remove the ones named")
    return report


def _admit(run: _Run, statements: list[WorkloadStatement]) -> None:
    from dbsage.tools.guard import check

    mapping = schema_map(run.schema)
    for statement in statements:
        try:
            guarded = check(statement.sql, "postgres")
            if guarded.kind != "select":
                raise DbsageError(f"a {guarded.kind} statement has no plan to improve with an index")
            accesses = analyze(guarded.sql, mapping)
            if not accesses:
                raise DbsageError("reads no table of this database")
            base = run.backend.register(statement.id, guarded, statement.parameter_count)
        except GuardRefusal as refusal:
            run.skipped.append(SkippedStatement(statement_id=statement.id, preview=statement.preview(),
                                                reason=refusal.message, refused=True))
            continue
        except (DbsageError, ValueError) as exc:
            reason = exc.message if isinstance(exc, DbsageError) else str(exc)
            run.skipped.append(SkippedStatement(statement_id=statement.id, preview=statement.preview(), reason=reason))
            continue
        run.admitted[statement.id] = _Admitted(statement, accesses, base)


def _may_be_refused(candidate: IndexCandidate) -> bool:
    """Plain column keys always build; expressions, predicates, operator classes and other methods are checked."""
    return bool(candidate.where or candidate.method != "btree" or any(k.expression or k.opclass
                                                                      for k in candidate.keys))


def _buildable(run: _Run, suggested: dict[IndexCandidate, set[str]]
               ) -> tuple[dict[IndexCandidate, set[str]], list[UnusableCandidate]]:
    """Leave out the candidates the server would refuse to build (a STABLE function such as date_trunc on
    timestamptz in a key): one such candidate must not stop the advice on the rest, nor be recommended."""
    kept: dict[IndexCandidate, set[str]] = {}
    unusable: list[UnusableCandidate] = []
    for candidate, statement_ids in suggested.items():
        reason = run.backend.unindexable(candidate) if _may_be_refused(candidate) else None
        if reason is None:
            kept[candidate] = statement_ids
        else:
            unusable.append(UnusableCandidate(index_sql=candidate.hypothetical_sql(), reason=reason,
                                              statement_ids=sorted(statement_ids)))
    return kept, unusable


def _weigh(run: _Run) -> None:
    """calls: cost × calls. time: each statement's share of total execution time, scaled by its cost change."""
    for q, item in run.admitted.items():
        statement = item.statement
        if run.options.weight_by == "time" and statement.total_ms and item.base.total > 0:
            run.weights[q] = statement.total_ms / item.base.total
        else:
            run.weights[q] = float(statement.calls or statement.weight or 1.0)


def _relevance(run: _Run, suggested: dict[IndexCandidate, set[str]]) -> dict[IndexCandidate, frozenset[str]]:
    """A candidate matters to a statement that filters, joins, sorts or groups its table on its leading key."""
    leads = {q: leading_keys(item.accesses) for q, item in run.admitted.items()}
    return {
        c: frozenset(q for q, keys in leads.items() if c.keys[0].sql in keys.get(c.table_key, set()))
        for c in suggested
    }


def _base_report(run: _Run) -> AdviceReport:
    return AdviceReport(
        target=run.schema.target, verified=run.backend.hypothetical,
        method="hypopg" if run.backend.hypothetical else "heuristic (unverified)",
        parameters=run.backend.parameters_note, workload_source=run.options.workload_source,
        weight_by=run.options.weight_by, budget_bytes=run.options.budget_bytes, max_indexes=run.options.max_indexes,
        skipped=run.skipped,
    )


def _solo_gains(run: _Run, relevant: dict[IndexCandidate, frozenset[str]], deadline: float) -> dict[IndexCandidate,
                                                                                                     float]:
    """Each candidate alone: the weighted cost it saves, or 0 when it lowers no statement by MIN_STATEMENT_GAIN."""
    gains: dict[IndexCandidate, float] = {}
    empty: frozenset[IndexCandidate] = frozenset()
    for number, candidate in enumerate(relevant, start=1):
        if time.monotonic() > deadline:
            break
        if number % 25 == 0:
            run.progress(f"costing candidates alone: {number}/{len(relevant)}")
        saved, useful = 0.0, False
        for q in relevant[candidate]:
            before, after = run.backend.cost(q, empty), run.backend.cost(q, frozenset({candidate}))
            saved += run.weights[q] * (before - after)
            useful = useful or (before - after) > MIN_STATEMENT_GAIN * before
        gains[candidate] = saved if useful else 0.0
    return gains


def _verified(run: _Run, suggested: dict[IndexCandidate, set[str]]) -> AdviceReport:
    report = _base_report(run)
    report.candidates_considered = len(suggested)
    relevant = {c: qs for c, qs in _relevance(run, suggested).items() if qs}
    deadline = run.started + run.options.max_seconds
    solo = _solo_gains(run, relevant, deadline)
    # Useless alone is not useless: an index on the inner side of a join pays off only once the outer side has one
    # too. Those stay in the search (after the useful ones), which re-costs them given the indexes already chosen.
    helped = {q for c, g in solo.items() if g > 0 for q in relevant[c]}
    keep = sorted((c for c, g in solo.items() if g > 0 or relevant[c] & helped),
                  key=lambda c: -solo[c])[:MAX_CANDIDATES]
    sizes = {c: run.backend.index_size(c) for c in keep}
    space = SearchSpace(weights=run.weights, relevant={c: relevant[c] for c in keep}, sizes=sizes,
                        budget_bytes=run.options.budget_bytes, max_indexes=run.options.max_indexes,
                        deadline=deadline, min_gain_share=MIN_GAIN_SHARE)
    run.progress(f"searching {len(keep)} useful candidates")
    result = IndexSearch(space, run.backend, run.progress).run({c: solo[c] for c in keep})
    report.timed_out = result.timed_out or len(solo) < len(relevant)
    report.notes += result.notes
    if report.timed_out:
        report.notes.append(f"stopped at the {run.options.max_seconds:g}s limit: the best set found so far is shown")
    _fill_costs(run, report, result.chosen, sizes)
    return report


def _fill_costs(run: _Run, report: AdviceReport, chosen: frozenset[IndexCandidate], sizes: dict[IndexCandidate, int]
                ) -> None:
    """Per statement before → after, per index the statements whose final plan uses it, and drop candidates."""
    used_real: set[str] = set()
    after_plans: dict[str, PlanCost] = {}
    for q, item in run.admitted.items():
        visible = frozenset(c for c in chosen if c.table_key in {a.table_key for a in item.accesses})
        after_plans[q] = run.backend.plan(q, visible)
        used_real |= item.base.uses | after_plans[q].uses
        report.statements.append(StatementCost(statement_id=q, preview=item.statement.preview(),
                                               weight=run.weights[q], cost_before=item.base.total,
                                               cost_after=min(after_plans[q].total, item.base.total)))
    report.cost_before = sum(s.weight * s.cost_before for s in report.statements)
    report.cost_after = sum(s.weight * s.cost_after for s in report.statements)
    by_id = {s.statement_id: s for s in report.statements}
    for candidate in sorted(chosen, key=lambda c: c.name):
        helps = [by_id[q] for q, plan in after_plans.items() if candidate.name in plan.uses]
        marginal = _marginal(run, chosen, candidate, by_id)
        report.recommendations.append(Recommendation(
            index=candidate, create_sql=candidate.create_sql(), drop_sql=candidate.drop_sql(),
            size_bytes=sizes.get(candidate), kind=candidate.kind, helps=helps,
            benefit=sum(s.weight * (s.cost_before - s.cost_after) for s in helps),
            marginal_benefit=marginal,
            marginal_reduction=marginal / report.cost_before if report.cost_before else 0.0,
        ))
    report.recommendations.sort(key=lambda r: (-(r.marginal_benefit or 0.0), -r.benefit))
    tables = {a.table_key for item in run.admitted.values() for a in item.accesses}
    report.drop_candidates = drop_candidates(run.schema, list(chosen), used_real, tables,
                                             run.options.min_stats_age_days, report.notes)


def _marginal(run: _Run, chosen: frozenset[IndexCandidate], candidate: IndexCandidate,
              by_id: dict[str, StatementCost]) -> float:
    """The set's weighted workload cost without `candidate` minus with it: what this one index adds. The set's
    total gain is shared by its indexes; crediting each with all of it would count the same saving many times."""
    without = chosen - {candidate}
    saved = 0.0
    for q, item in run.admitted.items():
        tables = {a.table_key for a in item.accesses}
        if candidate.table_key not in tables:
            continue
        visible = frozenset(c for c in without if c.table_key in tables)
        cost_without = min(run.backend.plan(q, visible).total, item.base.total)
        saved += run.weights[q] * (cost_without - by_id[q].cost_after)
    return saved


def _heuristic(run: _Run, suggested: dict[IndexCandidate, set[str]]) -> AdviceReport:
    report = _base_report(run)
    report.candidates_considered = len(suggested)
    report.notes.append("UNVERIFIED: hypopg is not installed, so no planner cost proves these indexes help. "
                        f"Install it to get proven advice: {run.backend.fix or 'CREATE EXTENSION hypopg;'}")
    for q, item in run.admitted.items():
        report.statements.append(StatementCost(statement_id=q, preview=item.statement.preview(),
                                               weight=run.weights[q], cost_before=item.base.total,
                                               cost_after=item.base.total))
    report.cost_before = report.cost_after = sum(s.weight * s.cost_before for s in report.statements)
    by_id = {s.statement_id: s for s in report.statements}
    picked = rank(suggested, run.weights, run.schema, run.options.budget_bytes, run.options.max_indexes)
    for candidate, size, statement_ids in picked:
        report.recommendations.append(Recommendation(
            index=candidate, create_sql=candidate.create_sql(), drop_sql=candidate.drop_sql(), size_bytes=size,
            kind=candidate.kind, helps=[by_id[q] for q in sorted(statement_ids) if q in by_id], benefit=0.0,
        ))
    used = {name for item in run.admitted.values() for name in item.base.uses}
    tables = {a.table_key for item in run.admitted.values() for a in item.accesses}
    report.drop_candidates = drop_candidates(run.schema, [c for c, _, _ in picked], used, tables,
                                             run.options.min_stats_age_days, report.notes)
    return report
