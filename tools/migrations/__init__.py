"""Migrations: lint a migration for what it does to production, draft the safe pattern for an intent, render it
for the team's migration tool.

Map: `model.py` (statement, lock, finding, verdict), `lint/` (rules by family; `lint_sql`), `draft/` (intents →
MigrationDraft with up/down steps; `draft_migration`), `render/` (one module per migration tool; `render_draft`).
"""
