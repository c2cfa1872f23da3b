"""The limits every session dbsage opens runs under (timeouts, row and byte caps), enforced by the database."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SessionLimits:
    """Limits every session the agent holds runs under. The database enforces them, not only dbsage."""

    statement_timeout_ms: int = 5_000
    lock_timeout_ms: int = 1_000
    idle_in_transaction_timeout_ms: int = 10_000
    connect_timeout_s: int = 5
    max_rows: int = 1_000
    max_bytes: int = 1_000_000
    # Connections one engine may hold at once: a CLI command needs few; an MCP server serves concurrent callers.
    # The adapter never takes more than a share of what the server has free (max_connections minus reserved slots
    # minus the connections in use).
    pool_size: int = 4
