"""Typed errors. Each front end renders them once (CLI: message + exit code; MCP/agent: structured error)."""

from __future__ import annotations


class DbsageError(Exception):
    """Base for errors a user can act on. `hint` says what to do next."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  → {self.hint}" if self.hint else self.message


class UsageError(DbsageError):
    """The call itself is malformed (bad option, unknown target name)."""

    exit_code = 2


class ConfigError(DbsageError):
    """The configuration file or environment is wrong."""


class TargetUnreachable(DbsageError):
    """The database could not be reached or refused the login."""


class CapabilityMissing(DbsageError):
    """The server lacks a feature (extension, setting) the command needs; `hint` says how to enable it."""


class DatabaseError(DbsageError):
    """The server rejected a statement; the message carries the server's own text."""


class GuardRefusal(DbsageError):
    """The read-only guard refused a statement. The message says why in DBA terms."""

    exit_code = 3


class StatementSyntaxError(GuardRefusal):
    """The statement is not valid SQL for the target (a typo, another dialect): an error to fix, with its position
    (exit 1), not a refusal. It stays a GuardRefusal for callers that only ask "may this run?" — it may not."""

    exit_code = 1


class StatementTimeout(DatabaseError):
    """The server stopped a statement at dbsage's statement timeout. The cure is a narrower statement (or, where a
    front end offers it, a longer limit) — never a check of the connection."""


class ConnectionLost(TargetUnreachable):
    """The connection broke during a call (server restarted, backend terminated, network): the next call
    reconnects."""


class PoolExhausted(TargetUnreachable):
    """Every connection dbsage keeps to the server stayed busy while the call waited for one."""
