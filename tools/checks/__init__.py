"""Health checks: pure rules over catalog/statistics facts, in families, plus the checklist scorecard.

Map: `model.py` (engine-neutral: Finding, CheckReport, ScoreItem, Thresholds, Facts — what every front end reads),
`postgres_<family>.py` (PostgreSQL's rules, one module per family) and `postgres_scorecard.py`, `mysql_rules.py`
(MySQL/MariaDB's). To add a rule: a function `(facts, thresholds) -> list[Finding]` in its engine's family module,
listed in that module's RULES. To add an engine's checkup: `<engine>_rules.py` over the facts its adapter reads
(tools/engines/<engine>/checks.py), filling the same CheckReport.

The engine (tools/engines/postgres/checks.py) reads the facts; `evaluate` turns them into findings — each with the
figures it rests on and a fix that is a draft for a person, never executed — and the scorecard.

Fixes must be statements the server accepts and that make nothing worse when all are applied in order
(tests/test_advice_applies.py): index drops come from one plan, `postgres_drop_safety.py` (never a constraint's,
a partitioned or attached index, or a foreign key's last support; "unused" only after enough statistics age), and
CREATE INDEX fixes from `postgres_ddl.py` → tools/index_ddl.py (partitioned tables: ON ONLY + ATTACH PARTITION).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from dbsage.tools.checks import (
    postgres_activity,
    postgres_configuration,
    postgres_index,
    postgres_maintenance,
    postgres_partitions,
    postgres_performance,
    postgres_reliability,
    postgres_schema,
    postgres_security,
)
from dbsage.tools.checks.model import (
    FAMILIES,
    SEVERITY_ORDER,
    CheckReport,
    Facts,
    Family,
    Finding,
    ScoreItem,
    Severity,
    Thresholds,
)
from dbsage.tools.checks.postgres_scorecard import scorecard

__all__ = ["FAMILIES", "CheckReport", "Facts", "Family", "Finding", "ScoreItem", "Severity", "Thresholds",
           "bounded", "evaluate", "judge"]

RULES = [*postgres_schema.RULES, *postgres_partitions.RULES,
         *postgres_index.RULES, *postgres_maintenance.RULES, *postgres_activity.RULES,
         *postgres_performance.RULES, *postgres_configuration.RULES, *postgres_reliability.RULES,
         *postgres_security.RULES]

Rule = Callable[[Facts, Any], list[Finding]]

_DOCS = Path(__file__).resolve().parent.parent.parent / "knowledge" / "docs"


MAX_PER_RULE = 100  # a report stays readable (and an LLM's context intact) on a schema of 10,000 tables


def evaluate(facts: Facts, limits: Thresholds | None = None) -> tuple[list[Finding], list[ScoreItem]]:
    """Every rule over the facts; findings sorted by family, then severity. Rules never invent a missing fact."""
    limits = limits or Thresholds()
    findings = [finding for rule in RULES for finding in rule(facts, limits)]
    for finding in findings:
        finding.doc_id = finding.doc_id or _doc_for(finding.id)
    findings.sort(key=_report_order)
    return findings, scorecard(findings, facts, limits)


def judge(rules: Iterable[Rule], facts: Facts, limits: Any,
          scorecard_of: Callable[[list[Finding], Facts, Any], list[ScoreItem]],
          ) -> tuple[list[Finding], list[ScoreItem], dict[str, int]]:
    """An engine's rules over its facts (MySQL, MongoDB): findings in report order, the scorecard over all of them,
    then at most MAX_PER_RULE per rule and how many more each had."""
    findings = sorted((f for rule in rules for f in rule(facts, limits)), key=_report_order)
    card = scorecard_of(findings, facts, limits)
    kept, omitted = bounded(findings)
    return kept, card, omitted


def _report_order(finding: Finding) -> tuple[int, int, str, str]:
    """By family, then severity, then rule id and object: the same order for every engine."""
    return FAMILIES.index(finding.family), SEVERITY_ORDER[finding.severity], finding.id, finding.object or ""


def bounded(findings: list[Finding], limit: int = MAX_PER_RULE) -> tuple[list[Finding], dict[str, int]]:
    """At most `limit` findings per rule id (the most severe first); how many more each rule had."""
    kept: list[Finding] = []
    seen: dict[str, int] = {}
    for finding in findings:
        seen[finding.id] = seen.get(finding.id, 0) + 1
        if seen[finding.id] <= limit:
            kept.append(finding)
    return kept, {rule: count - limit for rule, count in seen.items() if count > limit}


def _doc_for(rule_id: str) -> str | None:
    """A knowledge document named after the rule (knowledge/docs/<rule id>.md), only when it exists."""
    path = _DOCS / f"{rule_id}.md"
    return rule_id if path.is_file() else None
