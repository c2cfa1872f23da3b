"""Migrations: the linter today (`lint/`), with drafts, rehearsal and renderers beside it.

- `model`: Statement (lock, rewrites, scans, transactional), Finding, LintReport, LiveContext/TableFacts.
- `lint/`: `lint_sql(text, dialect, …)` and the rules by family (see its docstring).
"""
