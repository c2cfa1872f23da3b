"""Run the rules over one migration text: parse, walk the statements in order with the migration state, weigh
size-sensitive findings by live table sizes, drop what `-- dbsage:ignore` or the config turns off."""

from __future__ import annotations

from dataclasses import dataclass, field

from dbsage.tools.errors import UsageError
from dbsage.tools.migrations.lint import mysql_parse, postgres_parse
from dbsage.tools.migrations.lint.catalog import all_rules
from dbsage.tools.migrations.lint.rules import Hit, Parsed, Rule
from dbsage.tools.migrations.lint.sizes import Thresholds, describe, weigh
from dbsage.tools.migrations.lint.source import ignored_rules
from dbsage.tools.migrations.lint.state import MigrationState, parse_version
from dbsage.tools.migrations.model import LOCK_BLOCKS, Finding, LintReport, LiveContext

DIALECTS = ("postgres", "mysql")


@dataclass
class LintSettings:
    """What the `[lint]` config section may change: rules turned off, severities changed, size thresholds."""

    disabled: set[str] = field(default_factory=set)
    severity: dict[str, str] = field(default_factory=dict)
    thresholds: Thresholds = field(default_factory=Thresholds)
    assume_in_transaction: bool = False


def lint_sql(text: str, dialect: str, *, context: LiveContext | None = None, server_version: str | int | None = None,
             filename: str = "<draft>", settings: LintSettings | None = None) -> LintReport:
    """Lint one migration's SQL. Stable API (used by `migrate draft`): raises DbsageError for unparsable SQL."""
    if dialect not in DIALECTS:
        raise UsageError(f"unknown dialect {dialect!r}", "use postgres or mysql")
    settings = settings or LintSettings()
    try:
        version = parse_version(server_version, dialect)
    except ValueError as exc:
        raise UsageError(str(exc), "give it as 15, 15.4, 8.0.36 or 10.11") from None
    if version is None and context is not None and context.server_version:
        number = context.server_version
        version = (number // 10000, number // 100 % 100, number % 100)
    parser = postgres_parse if dialect == "postgres" else mysql_parse
    statements = parser.parse(text, filename)
    if statements:
        statements[-1].last = True
    state = MigrationState(dialect=dialect, version=version, context=context,
                           assume_in_transaction=settings.assume_in_transaction)
    rules = [r for r in all_rules().values() if dialect in r.dialects and r.id not in settings.disabled]
    ignores = ignored_rules(text, [(p.stmt.line, _end_line(p)) for p in statements])
    findings: list[Finding] = []
    for parsed, ignore in zip(statements, ignores, strict=True):
        for rule in rules:
            if rule.id in ignore or "*" in ignore:
                continue
            for hit in rule.check(parsed, state):
                finding = _finding(rule, hit, parsed, state, settings)
                if finding is not None:
                    findings.append(finding)
        parser.advance(parsed, state)
    report = LintReport(dialect=dialect, files=[filename], statements=len(statements),
                        live=context is not None)
    report.findings = sorted(findings, key=lambda f: (f.line, -_rank(f.severity), f.rule))
    return report


def columns_added(text: str, dialect: str) -> dict[tuple[str, str], str]:
    """(bare table, column) → type of every column a MySQL migration ADDs, read with the linter's own parser (what
    a later script — a draft's down — finds in place)."""
    parser = postgres_parse if dialect == "postgres" else mysql_parse
    state = MigrationState(dialect=dialect)
    for parsed in parser.parse(text, "<up>"):
        parser.advance(parsed, state)
    return state.added_columns


def _end_line(parsed: Parsed) -> int:
    return parsed.stmt.line + parsed.stmt.sql.count("\n")


def _rank(severity: str) -> int:
    return {"info": 0, "warning": 1, "error": 2}[severity]


def _finding(rule: Rule, hit: Hit, parsed: Parsed, state: MigrationState, settings: LintSettings) -> Finding | None:
    stmt = parsed.stmt
    severity = hit.severity or rule.severity
    reason = hit.reason
    if hit.size_sensitive and hit.table is not None:
        if state.is_new(hit.table):
            return None  # created earlier in this migration: empty, and no running code uses it yet
        facts = state.facts(hit.table)
        if facts is not None:
            severity = weigh(severity, facts, settings.thresholds)
            reason = f"{reason.rstrip('.')}; {describe(hit.table, facts)}"
            if severity == "info":
                reason += ", so it is brief"
    override = settings.severity.get(rule.id)
    if override in ("error", "warning", "info"):
        severity = override  # type: ignore[assignment]
    stmt.rewrites = stmt.rewrites or hit.rewrites
    stmt.scans = stmt.scans or hit.scans
    lock = hit.lock or stmt.lock
    short = stmt.sql if len(stmt.sql) <= 200 else stmt.sql[:197] + "..."
    return Finding(rule=rule.id, family=rule.family, severity=severity, file=stmt.file, line=stmt.line, lock=lock,
                   blocks=LOCK_BLOCKS.get(lock, ""), reason=reason, safe_rewrite=hit.rewrite, kb=rule.kb,
                   statement=short)
