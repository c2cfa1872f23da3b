"""`dbsage proposals move-store --to DSN`: the SQLite queue of this machine into the team's shared PostgreSQL store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dbsage.agent.cli.output import reporting, stdout


def move_store_command(
    to: Annotated[str, typer.Option("--to", metavar="DSN", help="the shared store: a PostgreSQL DSN (an empty "
                                                                "database, or one dbsage made empty)")],
    source: Annotated[Path | None, typer.Option("--from", metavar="FILE", help="the SQLite queue (default: the "
                                                                             "state dir's proposals.sqlite3)")] = None,
) -> None:
    """Move the local proposals queue (ids, statuses, audit trails) into a shared PostgreSQL store; then point
    [state] dsn in dbsage.toml (or DBSAGE_STATE_DB) at it so the CLI, chat and Slack bot share one queue."""
    from dbsage.agent.proposals.store import ProposalStore, default_store_path
    from dbsage.agent.proposals.transfer import move_queue
    from dbsage.tools.errors import UsageError
    from dbsage.tools.redact import redact_url

    with reporting():
        path = source or default_store_path()
        if not path.is_file():
            raise UsageError(f"no proposals queue at {path}", "pass --from FILE, or set DBSAGE_STATE_DIR")
        moved, entries = move_queue(ProposalStore(path), ProposalStore(dsn=to))
        stdout.print(f"moved {moved} proposal(s) and {entries} audit entries from {path} to {redact_url(to)}; "
                     f'now set [state] dsn = "…" in dbsage.toml (or DBSAGE_STATE_DB) on every machine',
                     markup=False, soft_wrap=True)
