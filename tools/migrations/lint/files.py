"""Lint files and folders (the CLI's entry): one dialect for the whole run, each file linted on its own."""

from __future__ import annotations

from dbsage.tools.errors import DbsageError, UsageError
from dbsage.tools.migrations.lint.runner import DIALECTS, LintSettings, lint_sql
from dbsage.tools.migrations.lint.source import detect, expand, read
from dbsage.tools.migrations.model import LintReport, LiveContext


def lint_paths(paths: list[str], *, dialect: str | None = None, context: LiveContext | None = None,
               server_version: str | int | None = None, settings: LintSettings | None = None) -> LintReport:
    """Every .sql file under `paths`. Without `dialect`, each file's is detected; a run that mixes PostgreSQL and
    MySQL files is an error (their rules and versions differ: lint them in two runs)."""
    if dialect is not None and dialect not in DIALECTS:
        raise UsageError(f"unknown dialect {dialect!r}", f"use one of: {', '.join(DIALECTS)}")
    files = expand(paths)
    texts = [(str(path), read(path)) for path in files]
    if dialect is None:
        seen = {name: detect(text, name) for name, text in texts}
        kinds = set(seen.values())
        if len(kinds) > 1:
            pg = next(n for n, d in seen.items() if d == "postgres")
            my = next(n for n, d in seen.items() if d == "mysql")
            raise DbsageError(f"these files mix dialects: {pg} is PostgreSQL, {my} is MySQL",
                              "lint each dialect in its own run, or pass --dialect")
        dialect = kinds.pop() if kinds else "postgres"
    report = LintReport(dialect=dialect)
    for name, text in texts:
        report.merge(lint_sql(text, dialect, context=context, server_version=server_version, filename=name,
                              settings=settings))
    report.live = context is not None
    return report
