"""Migration drafts: the safe multi-step pattern for an intent, for the engine and server version at hand.

Map: `model.py` (DraftRequest, MigrationDraft, Step, Phase, ServerVersion), `context.py` (what a builder knows, SQL
quoting, the lock-timeout step), `live.py` (checks against a live database), and one module per intent family —
`indexes.py` (add-index, add-unique), `constraints.py` (add-foreign-key, add-check, set-not-null), `columns.py`
(add-column, drop-column), `renames.py` (rename-column, rename-table, change-type), `backfill.py`.

To add an intent: write `def builder(ctx: DraftContext) -> MigrationDraft` in its family's module (or a new one),
register it in INTENTS below with a one-line summary, and add its case to tests/test_draft_apply.py, which applies
up and down to real servers and lints the result.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from dbsage.tools.errors import UsageError
from dbsage.tools.migrations.draft import backfill, columns, constraints, indexes, renames
from dbsage.tools.migrations.draft.context import DraftContext
from dbsage.tools.migrations.draft.live import live_context, server_of
from dbsage.tools.migrations.draft.model import DraftRequest, Flavor, MigrationDraft, Phase, ServerVersion, Step
from dbsage.tools.migrations.draft.verify import verify_draft

Builder = Callable[[DraftContext], MigrationDraft]

INTENTS: dict[str, tuple[Builder, str]] = {
    "add-index": (indexes.add_index, "an index built without blocking writes (CONCURRENTLY / online DDL)"),
    "add-unique": (indexes.add_unique, "a UNIQUE constraint from a concurrently built index"),
    "add-column": (columns.add_column, "a column, with a default and NOT NULL without a rewrite"),
    "add-foreign-key": (constraints.add_foreign_key, "a foreign key: NOT VALID, then VALIDATE apart"),
    "add-check": (constraints.add_check, "a CHECK constraint: NOT VALID, then VALIDATE apart"),
    "set-not-null": (constraints.set_not_null, "NOT NULL through a validated CHECK (no long lock)"),
    "change-type": (renames.change_type, "a column's type via a shadow column and a swap (expand/contract)"),
    "rename-column": (renames.rename_column, "a column renamed with both names kept in step (expand/contract)"),
    "rename-table": (renames.rename_table, "a table renamed with a view under the old name (expand/contract)"),
    "drop-column": (columns.drop_column, "a column dropped after the application stops using it"),
    "backfill": (backfill.backfill, "a column set in committed, resumable batches"),
}

DIALECTS: dict[str, Flavor] = {"postgres": "postgresql", "postgresql": "postgresql", "mysql": "mysql",
                               "mariadb": "mariadb"}


def builder_for(intent: str) -> Builder:
    found = INTENTS.get(intent)
    if found is None:
        close = difflib.get_close_matches(intent, list(INTENTS), n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise UsageError(f"unknown intent {intent!r}", f"{hint}intents: {', '.join(INTENTS)}")
    return found[0]


def draft_migration(request: DraftRequest, *, engine: Any = None, dialect: str | None = None,
                    server_version: str | None = None) -> MigrationDraft:
    """Draft `request`. With `engine` (an open read-only adapter) the table and columns are checked and the server
    version read; without it, `dialect` (postgres|mysql|mariadb, default postgres) and `server_version` say."""
    builder = builder_for(request.intent)
    if engine is not None:
        server = server_of(engine)
        if server_version:
            server = ServerVersion.parse(server.flavor, server_version)
        ctx = live_context(request, engine, server)
    else:
        flavor = DIALECTS.get((dialect or "postgres").lower())
        if flavor is None:
            raise UsageError(f"unknown dialect {dialect!r}", "use --dialect postgres, mysql or mariadb")
        ctx = DraftContext(request=request, server=ServerVersion.parse(flavor, server_version))
    draft = builder(ctx)
    verify_draft(draft)
    return draft


__all__ = ["INTENTS", "DraftRequest", "MigrationDraft", "Phase", "ServerVersion", "Step", "builder_for",
           "draft_migration"]
