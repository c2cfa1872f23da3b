"""Lint an approved proposal again, against the live database, just before it is applied: what has changed since it
was filed (the table grew, a rule was added) shows as findings the verdict at filing did not have."""

from __future__ import annotations

import json

from dbsage.tools.migrations.model import SEVERITY_RANK
from dbsage.tools.targets import Target


def new_findings(up_sql: str, dialect: str, filed_verdict: str | None, read_target: Target | None) -> list[str]:
    """Warnings and errors the linter gives now (with live facts when `read_target` is given) that the verdict at
    filing did not have, each as one line."""
    from dbsage.tools.migrations.lint import lint_sql

    context = None
    if read_target is not None:
        from dbsage.tools.migrations.lint.live import fetch_context

        context = fetch_context(read_target)
    report = lint_sql(up_sql, dialect, context=context, filename="up.sql")
    before = _filed(filed_verdict)
    fresh = []
    for finding in report.findings:
        rank = SEVERITY_RANK[finding.severity]
        if rank >= SEVERITY_RANK["warning"] and before.get(finding.rule, -1) < rank:
            fresh.append(f"{finding.severity} {finding.rule} (line {finding.line}): {finding.reason}")
    return fresh


def _filed(verdict: str | None) -> dict[str, int]:
    """Rule → highest severity the up script had when the proposal was filed."""
    if not verdict:
        return {}
    try:
        findings = json.loads(verdict).get("findings", [])
    except (ValueError, AttributeError):
        return {}
    seen: dict[str, int] = {}
    for finding in findings:
        if finding.get("script", "up") == "up" and finding.get("severity") in SEVERITY_RANK:
            seen[finding["rule"]] = max(seen.get(finding["rule"], -1), SEVERITY_RANK[finding["severity"]])
    return seen
