"""Plan analysis for PostgreSQL EXPLAIN output: the plan model, insight rules, query-text rules and a compact summary.

Pure logic: no database driver here. The engine (tools/engines/postgres_explain.py) runs EXPLAIN and gathers the
table facts the rules need; everything below works on the JSON plan and those facts.
"""

from dbsage.tools.explain.analysis import ExplainResult, analyze
from dbsage.tools.explain.context import ExplainContext, TableFacts
from dbsage.tools.explain.insights import Insight
from dbsage.tools.explain.plan import Plan, PlanNode, parse_plan
from dbsage.tools.explain.summary import PlanSummary, summarize

__all__ = [
    "ExplainContext", "ExplainResult", "Insight", "Plan", "PlanNode", "PlanSummary", "TableFacts", "analyze",
    "parse_plan", "summarize",
]
