"""`dbsage explain SQL`: the plan with its hot path, estimated vs actual rows, and insights in plain words."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from dbsage.agent.commands.options import DbOption, FormatOption
from dbsage.agent.output import Format, emit_json, human_count, reporting, stdout

if TYPE_CHECKING:
    from rich.tree import Tree

    from dbsage.tools.explain import ExplainResult, PlanNode

_SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


def explain_command(
    sql: Annotated[str, typer.Argument(metavar="SQL", help="the statement; '-' reads it from stdin")],
    db: DbOption = None,
    run: Annotated[bool, typer.Option("--analyze", help="run it: plain reads only, rolled back, with a timeout")]
    = False,
    full: Annotated[bool, typer.Option("--full", help="JSON: include every plan node, not only the summary")] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Explain a statement: where the time goes, and what to change."""
    from dbsage.tools.engines import connect
    from dbsage.tools.errors import UsageError
    from dbsage.tools.explain import summarize
    from dbsage.tools.targets import resolve

    with reporting(fmt.value):
        text = sys.stdin.read() if sql == "-" else sql
        target = resolve(db)
        if target.engine != "postgres":
            raise UsageError(f"dbsage explain supports PostgreSQL here; {target.engine} is not wired in yet",
                             "point --db at a PostgreSQL database")
        engine = connect(target)
        try:
            result = engine.explain(text, analyze=run)
        finally:
            engine.close()
        if fmt is Format.json:
            emit_json("explain", sql=result.sql, analyzed=result.analyzed, summary=summarize(result),
                      insights=result.insights, notes=result.notes, plan=result.plan if full else None)
            return
        _print(result)


def _print(result: ExplainResult) -> None:
    from rich.tree import Tree

    plan = result.plan
    timing = (f" · planning {plan.planning_ms:.2f} ms · execution {plan.execution_ms:.2f} ms"
              if plan.execution_ms is not None else " · estimated (not run; --analyze measures)")
    tree = Tree(f"[bold]plan[/bold] · cost {plan.root.total_cost:,.1f}{timing}")
    _add(tree, plan.root)
    stdout.print(tree)
    stdout.print("[dim]▶ hot path · share = the node's own part of the time (cost when not run)[/dim]")
    if not result.insights:
        stdout.print("\n[green]no insight: nothing in this plan or query matches a known problem[/green]")
    for insight in result.insights:
        style = _SEVERITY_STYLE[insight.severity]
        where = f"node #{insight.node_id} {insight.node}" if insight.node_id is not None else "query"
        stdout.print(f"\n[{style}]{insight.severity.upper()}[/{style}] [bold]{insight.title}[/bold]  [dim]({where}, "
                     f"{insight.rule})[/dim]", markup=True)
        stdout.print(f"  {insight.detail}", markup=False)
        if insight.fix:
            stdout.print("  fix: " + insight.fix, markup=False, style="green")
    for note in result.notes:
        stdout.print(f"[dim]{note}[/dim]")


def _add(parent: Tree, node: PlanNode) -> None:
    rows = f"rows est {human_count(round(node.plan_rows))}"
    if node.actual_rows is not None:
        rows += f" / actual {human_count(round(node.actual_rows))} × {node.actual_loops} loops"
        if (node.misestimate or 1) > 10:
            rows += f" [red](off {node.misestimate:,.0f}×)[/red]"
    time = f"{node.exclusive_ms:,.2f} ms · " if node.exclusive_ms is not None else ""
    buffers = ""
    if node.buffers and node.buffers.total:
        b = node.buffers
        buffers = f" · buffers hit {human_count(b.shared_hit)} read {human_count(b.shared_read)}"
        if b.temp_written or b.temp_read:
            buffers += f" temp {human_count(b.temp_read + b.temp_written)}"
    marker = "[bold red]▶[/bold red] " if node.hot else ""
    label = f"{marker}#{node.id} [bold]{node.label}[/bold]  {time}{node.share:.0%} · {rows}{buffers}"
    for key, value in (("filter", node.filter), ("index cond", node.index_cond), ("hash cond", node.hash_cond)):
        if value:
            label += f"\n   [dim]{key}: {value[:160]}[/dim]"
    branch = parent.add(label)
    for child in node.children:
        _add(branch, child)
