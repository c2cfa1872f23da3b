"""The migration linter: what each statement of a migration does to production, and the safe way to do it.

Map:
- `runner.lint_sql(text, dialect, context=, server_version=, filename=)` → LintReport: the stable entry point
  (`migrate draft` lints its drafts with it). `files.lint_paths(...)` lints files and folders for the CLI.
- `postgres_parse` (pglast: the server's grammar) and `mysql_parse` (sqlglot's MySQL tokenizer/parser) turn text
  into located statements with the lock each takes, and advance the `state.MigrationState` across statements.
- Rules by family, each a function registered with `rules.rule(...)` (`catalog.all_rules()` lists them):
  `locking`, `rewrites`, `constraints`, `indexes`, `breaking` (renames/drops that break running code), `types`,
  `transactions` (the sequence across statements), `mysql_online` (ALGORITHM/LOCK by server version).
- `sizes` weighs size-sensitive findings by live table facts (`live.fetch_context` reads them through an engine);
  `config` reads the `[lint]` section of dbsage.toml; `source` reads files and `-- dbsage:ignore RULE` comments.

To add a rule: a function in its family's module decorated with `@rule(id, family=, severity=, summary=)`, yielding
`Hit(reason, rewrite, table=, size_sensitive=)`; a case in tests/test_lint_rules.py.
"""

from dbsage.tools.migrations.lint.runner import LintSettings, lint_sql

__all__ = ["LintSettings", "lint_sql"]
