"""A draft's lint verdict: its up and down scripts judged by dbsage's own linter (tools/migrations/lint), kept
with the proposal so a reviewer sees what the linter said when it was filed."""

from __future__ import annotations

from typing import Any

from dbsage.tools.migrations.draft.model import MigrationDraft, Step, sql_script


def lint_verdict(draft: MigrationDraft) -> dict[str, Any]:
    """`{"clean": bool, "server": …, "findings": [{script, rule, severity, line, reason, safe_rewrite}]}`."""
    from dbsage.tools.migrations.lint import lint_sql

    findings: list[dict[str, Any]] = []
    for which, steps in (("up", draft.up), ("down", draft.down)):
        # A MySQL procedure body (the batched backfill) is not one statement the linter's MySQL grammar reads; its
        # UPDATE runs in committed batches by construction.
        script = sql_script([s for s in steps if not _procedure(s, draft)], draft.engine)
        if not script.strip():
            continue
        report = lint_sql(script, draft.engine, server_version=lint_version(draft), context=_context(draft, which),
                          filename=f"{draft.name}.{which}.sql")
        findings += [{"script": which, "rule": f.rule, "severity": f.severity, "line": f.line, "reason": f.reason,
                      "safe_rewrite": f.safe_rewrite} for f in report.findings]
    clean = not any(f["severity"] in ("warning", "error") for f in findings)
    return {"clean": clean, "server": draft.server.label, "findings": findings}


def _context(draft: MigrationDraft, which: str) -> Any:
    """The column types the draft was made against (with --db), so the linter judges a MODIFY that keeps the type
    as the in-place change it is, not as a type change; None for an offline draft. The down script runs after the
    up: the columns the up added are there too."""
    if not draft.live_columns:
        return None
    from dbsage.tools.migrations.model import LiveContext, TableFacts

    columns = dict(draft.live_columns)
    if which == "down":
        from dbsage.tools.migrations.lint.runner import columns_added

        up = sql_script([s for s in draft.up if not _procedure(s, draft)], draft.engine)
        columns.update({column: kind for (_, column), kind in columns_added(up, draft.engine).items()})
    return LiveContext(mariadb=draft.server.flavor == "mariadb",
                       tables={draft.table.lower(): TableFacts(columns=columns)})


def lint_version(draft: MigrationDraft) -> int:
    """The linter's version number: PostgreSQL's major; MySQL/MariaDB as major*10000 + minor*100 + patch."""
    parts = [*draft.server.number, 0, 0]
    if draft.engine == "postgres":
        return parts[0]
    return parts[0] * 10000 + parts[1] * 100 + parts[2]


def _procedure(step: Step, draft: MigrationDraft) -> bool:
    return draft.engine == "mysql" and step.sql.lstrip().upper().startswith("CREATE PROCEDURE")
