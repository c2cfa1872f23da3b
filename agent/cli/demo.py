"""The report `dbsage demo` prints, section by section, on the demo database.

Each section is a function `(engine, console, fmt) -> dict`: it gets a read-only engine on `dbsage_demo`,
prints itself to `console` when `fmt == "table"` (and nothing when "json"), and returns its JSON part, which lands in
`{"dbsage": 1, "command": "demo", "sections": {key: part}}`. The runner prints each title as a rule; a section that
raises a DbsageError is reported as `{"error": ..., "hint": ...}` and the demo goes on.

A section is composed from the renderers in agent/cli/render/ (the same ones the commands print with). To add
one, write the function (import heavy things inside it) and add ONE line to SECTIONS below, in the order the
report should read, e.g.:

    Section("checkup", "Health checkup", checkup_section),

What a section may rely on: the planted problems and the app's queries of the engine's demo
(`dbsage.tools.demo.engines.demo_problems(engine.name)` / `demo_queries(engine.name)`, which include
`stale_pending_orders`); the workload has run three times, so the statement statistics (when the server keeps them)
and the index usage counters have data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from rich.console import Console
from rich.text import Text

from dbsage.tools.errors import DbsageError

if TYPE_CHECKING:
    from dbsage.tools.engines.base import Engine

# What the report's sections call on the engine: the demo opens it with these, so a target that lacks one fails
# before anything is printed.
DEMO_NEEDS = frozenset({"introspect", "server_report", "checks", "explain", "what_if"})
SectionFn = Callable[["Engine", Console, str], dict[str, Any]]


class Section(NamedTuple):
    key: str  # its key under "sections" in the JSON
    title: str
    run: SectionFn


def schema_summary(engine: Engine, console: Console, fmt: str) -> dict[str, Any]:
    """`dbsage schema` of the demo database, one line per table."""
    from dbsage.agent.cli.render.schema import print_table_summary

    snapshot = engine.introspect()
    if fmt == "table":
        print_table_summary(snapshot, console)
    tables = [
        {"name": t.qualified_name, "kind": t.kind, "columns": len(t.columns), "row_estimate": t.row_estimate,
         "size_bytes": t.size_bytes, "indexes": len(t.indexes), "foreign_keys": len(t.foreign_keys),
         "primary_key": t.primary_key.columns if t.primary_key else None, "comment": t.comment}
        for t in snapshot.tables
    ]
    return {"database": snapshot.database, "tables": tables}


def capability_report(engine: Engine, console: Console, fmt: str) -> dict[str, Any]:
    """`dbsage doctor` of the demo server: what it offers dbsage, with the fix for what is missing."""
    from dbsage.agent.cli.render.server import print_capabilities

    report = engine.server_report()
    if fmt == "table":
        print_capabilities(report, console, built_by_login=True)
    return report.model_dump(mode="json", exclude={"login": {"read_only_role_sql"}})


def checkup_section(engine: Engine, console: Console, fmt: str) -> dict[str, Any]:
    """The demo's checkup: `dbsage check` of the demo database."""
    from dbsage.agent.cli.render.check import print_report
    from dbsage.tools.checks import Thresholds

    # The demo ran its whole workload since the database was built: its usage counters have seen everything, so
    # "unused" may be judged at once (a real database needs days of counters: Thresholds.min_stats_age_days).
    report = engine.checks(Thresholds(min_stats_age_days=0))
    if fmt == "table":
        print_report(report, console)
    return report.model_dump(mode="json")


def slow_query_section(engine: Engine, console: Console, fmt: str) -> dict[str, Any]:
    """The demo's explain: the planted slow query in full (run with ANALYZE), then the insights on the other
    workload queries that carry a planted problem."""
    from dbsage.agent.cli.render.explain import print_explain
    from dbsage.tools.demo.engines import demo_problems, demo_queries
    from dbsage.tools.explain import summarize

    queries = dict(demo_queries(engine.name))
    planted = [p.query for p in demo_problems(engine.name) if p.query and p.query != "stale_pending_orders"]
    part: dict[str, Any] = {}
    for n, name in enumerate(dict.fromkeys(["stale_pending_orders", *planted])):
        result = engine.explain(queries[name], analyze=True)
        part[name] = {"sql": result.sql, "summary": summarize(result).model_dump(mode="json")}
        if fmt == "table":
            console.print(f"\n[bold]{name}[/bold]: {' '.join(result.sql.split())}", highlight=False)
            print_explain(result, console, tree=n == 0)
    return part


def advice_section(engine: Engine, console: Console, fmt: str) -> dict[str, Any]:
    """Index advice for the demo app's workload, proven with hypothetical indexes (or, where the engine has none,
    on the demo's scratch copy)."""
    from dbsage.agent.cli.render.advice import render
    from dbsage.tools.advisor.advisor import AdviseOptions, advise_database
    from dbsage.tools.advisor.workload import WorkloadStatement
    from dbsage.tools.demo.engines import demo_queries, demo_scratch

    statements = [WorkloadStatement(id=name, sql=sql, source="the demo app's queries")
                  for name, sql in demo_queries(engine.name)]
    report = advise_database(engine, statements, AdviseOptions(max_seconds=30, workload_source="the demo app's "
                                                               "queries", scratch=demo_scratch(engine.target),
                                                               min_stats_age_days=0))  # its whole workload ran
    if fmt == "table":
        render(report, console)
    return {"report": report.model_dump(mode="json"), "reduction": round(report.reduction, 4)}


SECTIONS: list[Section] = [
    Section("schema", "Schema summary", schema_summary),
    Section("capabilities", "Capability report", capability_report),
    Section("checkup", "Health checkup", checkup_section),
    Section("explain", "Explain of the slow query", slow_query_section),
    Section("advice", "Index advice", advice_section),
]


def run_sections(engine: Engine, console: Console, fmt: str) -> dict[str, Any]:
    """Run every section in order; return {key: JSON part}."""
    results: dict[str, Any] = {}
    for section in SECTIONS:
        if fmt == "table":
            console.rule(f"[bold]{section.title}[/bold]", align="left")
        try:
            results[section.key] = section.run(engine, console, fmt)
        except DbsageError as error:
            results[section.key] = {"error": error.message, "hint": error.hint}
            if fmt == "table":
                # the message quotes server text: print it literally, a stray "[/x]" must not crash the demo
                console.print(Text.assemble((f"{section.title} failed:", "red"), f" {error.message}"))
    return results
