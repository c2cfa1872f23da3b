"""Plan analysis: engine-neutral models that front ends read, and each engine's parsing and rules, named as such.

Map — neutral: `plan.py` (Plan, PlanNode, shared derivations), `insights.py` (Insight), `analysis.py`
(ExplainResult), `summary.py` (PlanSummary), `context.py` (table facts the rules use). PostgreSQL:
`postgres_plan.py` (EXPLAIN JSON → Plan), `postgres_insights.py` (plan rules), `query_text.py` and `predicates.py`
(rules on the statement's text, with sqlglot). MySQL/MariaDB: `mysql_plan.py`, `mysql_insights.py`, `dialect.py`.

To add an engine's explain: `<engine>_plan.py` filling Plan, `<engine>_insights.py` returning Insights, and the
adapter's `explain()` (tools/engines/<engine>/explain.py) returning an ExplainResult. Pure logic: no database
driver here; the engine runs EXPLAIN and gathers the facts.
"""

from dbsage.tools.explain.analysis import ExplainResult, analyze
from dbsage.tools.explain.context import ExplainContext, TableFacts
from dbsage.tools.explain.insights import Insight
from dbsage.tools.explain.plan import Plan, PlanNode
from dbsage.tools.explain.postgres_plan import parse_plan
from dbsage.tools.explain.summary import PlanSummary, summarize

__all__ = [
    "ExplainContext", "ExplainResult", "Insight", "Plan", "PlanNode", "PlanSummary", "TableFacts", "analyze",
    "parse_plan", "summarize",
]
