"""How long this database's usage counters have counted: the latest of the last statistics reset, the server's
start and — when this login may stat files — the database's creation (a restore into a new database on a server up
for months starts every idx_scan at 0). The advisor and the checkup call an index "unused" only after enough of it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dbsage.tools.engines.postgres.sqlfiles import load as _sql


def database_created(cur: Any) -> dt.datetime | None:
    """PG_VERSION's time, or None when this login may not call pg_stat_file (its EXECUTE is checked when a statement
    starts, whatever a CASE around the call would decide: hence the separate, conditional statement)."""
    cur.execute("SELECT has_function_privilege('pg_stat_file(text, boolean)', 'EXECUTE') AS ok")
    row = cur.fetchone()
    if not row or not _value(row, "ok", 0):
        return None
    cur.execute(_sql("database_created"))
    row = cur.fetchone()
    created = _value(row, "created", 0) if row else None
    return created if isinstance(created, dt.datetime) else None


def stats_age(cur: Any) -> tuple[dt.datetime | None, float | None]:
    """(since, days) of this database's usage counters."""
    cur.execute(_sql("stats_since"))
    row = cur.fetchone()
    if not row:
        return None, None
    since, now = _value(row, "since", 0), _value(row, "now", 1)
    created = database_created(cur)
    if created is not None and (since is None or created > since):
        since = created
    if not isinstance(since, dt.datetime) or not isinstance(now, dt.datetime):
        return None, None
    return since, max((now - since).total_seconds(), 0.0) / 86400


def _value(row: Any, key: str, position: int) -> Any:
    return row[key] if isinstance(row, dict) else row[position]
