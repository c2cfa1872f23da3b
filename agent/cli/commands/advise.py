"""`dbsage advise`: index advice for a workload, every number from the planner with hypothetical indexes."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dbsage.agent.cli.options import DbOption
from dbsage.agent.cli.output import emit_json, reporting, stderr, stdout

if TYPE_CHECKING:
    from dbsage.tools.advisor.report import AdviceReport
    from dbsage.tools.advisor.workload import WorkloadStatement
    from dbsage.tools.targets import Target


class AdviseFormat(StrEnum):
    table = "table"
    json = "json"
    sql = "sql"


class WeightBy(StrEnum):
    calls = "calls"
    time = "time"


def advise_command(
    db: DbOption = None,
    workload: Annotated[Path | None, typer.Option(
        "--workload", help=".sql file or folder (one statement per file or ';'-separated); MongoDB: .json command "
        "documents and .js mongosh queries. Default: the statistics view (pg_stat_statements, performance_schema "
        "digests, the MongoDB profiler).")] = None,
    budget_mb: Annotated[float | None, typer.Option("--budget-mb", help="storage budget for new indexes")] = None,
    max_indexes: Annotated[int | None, typer.Option("--max-indexes", help="at most this many new indexes")] = None,
    max_seconds: Annotated[float, typer.Option("--max-seconds", help="time limit for the search")] = 60.0,
    weight_by: Annotated[WeightBy, typer.Option(
        "--weight-by", help="statistics workload: weigh statements by calls or by total time")] = WeightBy.calls,
    fmt: Annotated[AdviseFormat, typer.Option(
        "--format", "-f", help="table for people, json for programs, sql: the statements alone (unwrapped, "
        "the rest as comments) to paste or save as a migration")] = AdviseFormat.table,
    min_stats_days: Annotated[float, typer.Option(
        "--min-stats-days", help="days of index usage counters before a 0-scan index is proposed for dropping "
        "as unused (0 judges at once)")] = 7.0,
    propose: Annotated[bool, typer.Option("--propose", help="file each recommendation as a proposal")] = False,
    scratch: Annotated[str | None, typer.Option(
        "--scratch", help="for engines without hypothetical indexes: a database dbsage may write, to verify "
        "candidates on a copy of the tables with sampled rows (never the target itself)")] = None,
) -> None:
    """Recommend indexes for a workload, proven with the planner (hypopg), within a storage budget."""
    from dbsage.agent.cli.render.advice import render, render_sql
    from dbsage.agent.proposals.advice import file_advice
    from dbsage.tools.targets import resolve

    with reporting(fmt.value):
        target = resolve(db)
        report = run_advice(target, workload, budget_mb, max_indexes, max_seconds, weight_by.value,
                            quiet=fmt is not AdviseFormat.table, scratch=scratch,
                            min_stats_days=min_stats_days)
        filing = file_advice(report, by="dbsage advise", engine=target.engine) if propose else None
        filed, existing = (filing.new, filing.existing) if filing else ([], [])
        if fmt is AdviseFormat.json:
            emit_json("advise", report=report, reduction=round(report.reduction, 4),
                      proposals=[p.id for p in filed], already_filed=[p.id for p in existing])
        elif fmt is AdviseFormat.sql:
            render_sql(report)
            for proposal in [*filed, *existing]:
                sys.stdout.write(f"-- proposal #{proposal.id} ({proposal.status}): {proposal.title}\n")
        else:
            render(report)
            for proposal in filed:
                stdout.print(f"filed proposal #{proposal.id}: {proposal.title}  (review: dbsage proposals show "
                             f"{proposal.id})")
            for proposal in existing:
                stdout.print(f"not filed again: proposal #{proposal.id} ({proposal.status}) is the same change: "
                             f"{proposal.title}")


def run_advice(target: Target, workload: Path | None, budget_mb: float | None, max_indexes: int | None,
               max_seconds: float, weight_by: str, quiet: bool = False, scratch: str | None = None,
               min_stats_days: float = 7.0) -> AdviceReport:
    from dbsage.tools.advisor.advisor import AdviseOptions, advise_database
    from dbsage.tools.engines.registry import open_engine
    from dbsage.tools.errors import UsageError

    for name, value in (("--max-seconds", max_seconds), ("--budget-mb", budget_mb), ("--max-indexes", max_indexes)):
        if value is not None and value <= 0:
            raise UsageError(f"{name} must be positive", f"pass {name} with a number above zero")
    if min_stats_days < 0:
        raise UsageError("--min-stats-days cannot be negative", "pass 0 or more days")
    statements = _load_workload(workload) if workload else None
    engine = open_engine(target, needs={"introspect", "what_if"}, command="advise")
    options = AdviseOptions(budget_bytes=int(budget_mb * 1024 * 1024) if budget_mb else None,
                            max_indexes=max_indexes, max_seconds=max_seconds,
                            weight_by="time" if weight_by == "time" else "calls",
                            workload_source=str(workload) if workload else "pg_stat_statements",
                            scratch=scratch, min_stats_age_days=min_stats_days)
    try:
        with stderr.status("advising…") as status:

            def progress(message: str) -> None:
                if not quiet:
                    status.update(f"advising… {message}")

            report = advise_database(engine, statements, options, progress)
    finally:
        engine.close()
    return report


def _load_workload(path: Path) -> list[WorkloadStatement]:
    from dbsage.tools.advisor.workload import load_files
    from dbsage.tools.errors import UsageError

    try:
        return load_files(path)
    except UnicodeDecodeError as exc:  # a file saved in another encoding, or not text at all
        raise UsageError(f"the workload in {path} is not UTF-8 text ({exc.reason} at byte {exc.start})",
                         "save the .sql files as UTF-8") from None
    except OSError as exc:  # unreadable, or a folder whose name ends in .sql
        raise UsageError(f"cannot read the workload in {path}: {exc.strerror}",
                         "pass a readable .sql file, or a folder of them") from None
