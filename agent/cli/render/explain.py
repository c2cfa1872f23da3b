"""A plan and its insights (ExplainResult) for people: the plan tree with the hot path marked, estimated vs
actual rows, then each insight with its fix."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from dbsage.tools.units import human_count

if TYPE_CHECKING:
    from rich.tree import Tree

    from dbsage.tools.explain import ExplainResult, PlanNode

_SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


def print_explain(result: ExplainResult, out: Console, tree: bool = True) -> None:
    from rich.tree import Tree

    plan = result.plan
    planning = f" · planning {plan.planning_ms:.2f} ms" if plan.planning_ms is not None else ""
    timing = (f"{planning} · execution {plan.execution_ms:.2f} ms"
              if plan.execution_ms is not None else " · estimated (not run; --analyze measures)")
    plan_tree = Tree(f"[bold]plan[/bold] · cost {plan.root.total_cost:,.1f}{timing}")
    _add(plan_tree, plan.root, result)
    if tree:
        out.print(plan_tree)
        out.print("[dim]▶ hot path · share = the node's own part of the time (cost when not run)[/dim]")
    if not result.insights:
        out.print("\n[green]no insight: nothing in this plan or query matches a known problem[/green]")
    for insight in result.insights:
        style = _SEVERITY_STYLE[insight.severity]
        where = f"node #{insight.node_id} {insight.node}" if insight.node_id is not None else "query"
        out.print(Text.assemble("\n", (insight.severity.upper(), style), " ", (insight.title, "bold"),
                                (f"  ({where}, {insight.rule})", "dim")))  # Text: titles carry object names
        out.print(f"  {insight.detail}", markup=False)
        if insight.fix:  # never wrapped: the fix is SQL people copy
            out.print("  fix: " + insight.fix, markup=False, style="green", soft_wrap=True)
    for note in result.notes:
        out.print(f"[dim]{note}[/dim]")


def _add(parent: Tree, node: PlanNode, result: ExplainResult) -> None:
    from dbsage.tools.explain.insights import misestimated

    rows = f"rows est {human_count(round(node.plan_rows))}"
    if node.actual_rows is not None:
        rows += f" / actual {human_count(round(node.actual_rows))} × {node.actual_loops} loops"
        if misestimated(node, result.plan):
            rows += f" [red](off {node.misestimate:,.0f}×)[/red]"
    time = f"{node.exclusive_ms:,.2f} ms · " if node.exclusive_ms is not None else ""
    buffers = ""
    if node.buffers and node.buffers.total:
        b = node.buffers
        buffers = f" · buffers hit {human_count(b.shared_hit)} read {human_count(b.shared_read)}"
        if b.temp_written or b.temp_read:
            buffers += f" temp {human_count(b.temp_read + b.temp_written)}"
    marker = "[bold red]▶[/bold red] " if node.hot else ""
    from rich.markup import escape  # plan text (names, `a[1]` subscripts) is data, not markup

    label = f"{marker}#{node.id} [bold]{escape(node.label)}[/bold]  {time}{node.share:.0%} · {rows}{buffers}"
    for key, value in (("filter", node.filter), ("index cond", node.index_cond), ("hash cond", node.hash_cond)):
        if value:
            label += f"\n   [dim]{key}: {escape(value[:160])}[/dim]"
    branch = parent.add(label)
    for child in node.children:
        _add(branch, child, result)
