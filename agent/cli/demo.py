"""The report `dbsage demo` prints, section by section, on the demo database.

Each section is a function `(engine, console, fmt) -> dict`: it gets a read-only PostgresEngine on `dbsage_demo`,
prints itself to `console` when `fmt == "table"` (and nothing when "json"), and returns its JSON part, which lands in
`{"dbsage": 1, "command": "demo", "sections": {key: part}}`. The runner prints each title as a rule; a section that
raises a DbsageError is reported as `{"error": ..., "hint": ...}` and the demo goes on.

To add a section, write the function (in your own module; import heavy things inside it) and add ONE line to
SECTIONS below, in the order the report should read, e.g.:

    Section("checkup", "Health checkup", checkup_section),

What a section may rely on: the planted problems (`dbsage.tools.demo.problems.PROBLEMS`) and the app's queries
(`dbsage.tools.demo.workload.workload()` / `query("stale_pending_orders")`); the workload has run three times, so
pg_stat_statements (when preloaded) and the index usage counters have data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from dbsage.agent.commands.advise import advice_section
from dbsage.agent.commands.check import checkup_section
from dbsage.agent.commands.explain import slow_query_section
from dbsage.agent.output import human_bytes, human_count
from dbsage.tools.errors import DbsageError

if TYPE_CHECKING:
    from dbsage.tools.engines.postgres import PostgresEngine

SectionFn = Callable[["PostgresEngine", Console, str], dict[str, Any]]


class Section(NamedTuple):
    key: str  # its key under "sections" in the JSON
    title: str
    run: SectionFn


def schema_summary(engine: PostgresEngine, console: Console, fmt: str) -> dict[str, Any]:
    """`dbsage schema` of the demo database, one line per table."""
    snapshot = engine.introspect()
    if fmt == "table":
        grid = RichTable(title=f"{snapshot.database} · {len(snapshot.tables)} tables", title_justify="left")
        for header in ("table", "rows (est.)", "size", "columns", "indexes", "FKs", "primary key"):
            grid.add_column(header, justify="left" if header in ("table", "primary key") else "right")
        for t in snapshot.tables:
            key = Text(", ".join(t.primary_key.columns)) if t.primary_key else Text("none", "red")
            grid.add_row(t.qualified_name.removeprefix("public."), human_count(t.row_estimate),
                         human_bytes(t.size_bytes), str(len(t.columns)), str(len(t.indexes)),
                         str(len(t.foreign_keys)), key)
        console.print(grid)
    tables = [
        {"name": t.qualified_name, "kind": t.kind, "columns": len(t.columns), "row_estimate": t.row_estimate,
         "size_bytes": t.size_bytes, "indexes": len(t.indexes), "foreign_keys": len(t.foreign_keys),
         "primary_key": t.primary_key.columns if t.primary_key else None, "comment": t.comment}
        for t in snapshot.tables
    ]
    return {"database": snapshot.database, "tables": tables}


def capability_report(engine: PostgresEngine, console: Console, fmt: str) -> dict[str, Any]:
    """`dbsage doctor` of the demo server: what it offers dbsage, with the fix for what is missing."""
    report = engine.server_report()
    if fmt == "table":
        console.print(Text(report.version, "bold"))  # server text is data, never rich markup
        grid = RichTable("capability", "status", "detail / fix")
        for cap in report.capabilities:
            status = {True: Text("ok", "green"), False: Text("missing", "yellow"), None: Text("unknown")}[cap.available]
            grid.add_row(Text(cap.name), status, Text(cap.detail if cap.available else (cap.fix or cap.detail)))
        console.print(grid)
        login = report.login
        if login is not None and (login.superuser or login.can_write):
            console.print(Text.assemble(("note:", "yellow"), f" the login {login.user} can write (the demo built its "
                                        "database with it); point the agent at a read-only role — `dbsage doctor` "
                                        "prints the SQL"))
    return report.model_dump(mode="json", exclude={"login": {"read_only_role_sql"}})


SECTIONS: list[Section] = [
    Section("schema", "Schema summary", schema_summary),
    Section("capabilities", "Capability report", capability_report),
    Section("checkup", "Health checkup", checkup_section),
    Section("explain", "Explain of the slow query", slow_query_section),
    Section("advice", "Index advice", advice_section),
]


def run_sections(engine: PostgresEngine, console: Console, fmt: str) -> dict[str, Any]:
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
