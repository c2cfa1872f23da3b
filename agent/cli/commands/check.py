"""`dbsage check`: the health checkup — findings by family with evidence and a draft fix, and the scorecard."""

from __future__ import annotations

from typing import Annotated

import typer

from dbsage.agent.cli.options import DbOption, FormatOption
from dbsage.agent.cli.output import Format, emit_json, reporting, stdout


def check_command(
    db: DbOption = None,
    family: Annotated[list[str] | None, typer.Option("--family", help="only these families (repeatable): schema, "
                      "indexes, maintenance, activity, performance, configuration, reliability, security")] = None,
    fmt: FormatOption = Format.table,
    min_stats_days: Annotated[float | None, typer.Option(
        "--min-stats-days", help="days of index usage counters before a 0-scan index is called unused "
        "(default 7; 0 judges at once)")] = None,
) -> None:
    """Health checkup: every finding with severity, evidence and a fix; a scorecard against the checklist."""
    from dbsage.agent.cli.render.check import print_report
    from dbsage.tools.checks import FAMILIES, Thresholds
    from dbsage.tools.engines.registry import open_engine
    from dbsage.tools.errors import UsageError
    from dbsage.tools.targets import resolve

    with reporting(fmt.value):
        if min_stats_days is not None and min_stats_days < 0:
            raise UsageError("--min-stats-days cannot be negative", "pass 0 or more days")
        unknown = sorted(set(family or []) - set(FAMILIES))
        if unknown:
            raise UsageError(f"unknown family {', '.join(unknown)}", f"use one of: {', '.join(FAMILIES)}")
        engine = open_engine(resolve(db), needs={"checks"}, command="check")
        try:
            report = engine.checks(Thresholds(min_stats_age_days=min_stats_days)
                                   if min_stats_days is not None else None)
        finally:
            engine.close()
        if family:
            report.findings = [f for f in report.findings if f.family in family]
        if fmt is Format.json:
            emit_json("check", report=report)
            return
        print_report(report, stdout)
