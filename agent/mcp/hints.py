"""Hints that fit an MCP client. The typed errors carry a hint written for a person at a terminal (`--timeout`,
`--db`, `dbsage doctor`); an MCP client can change none of those — it can change its own call, or tell its user what
the person who started `dbsage mcp` should change. The error's type picks the hint; a generic hint is kept only when
it names nothing a client cannot do."""

from __future__ import annotations

_BY_TYPE: dict[str, str | None] = {
    "StatementTimeout": "narrow the statement (filters, LIMIT, fewer joins) and call again; the time limit is set "
                        "where `dbsage mcp` was started ([limits] statement_timeout_ms in dbsage.toml)",
    "ConnectionLost": "call again: dbsage opens a new connection on the next call; if it keeps failing, the "
                      "database is down or restarting — tell the user",
    "PoolExhausted": "too many calls at once for dbsage's connections: wait for running calls to finish, then call "
                     "again (fewer in parallel)",
    "TargetUnreachable": "the database dbsage mcp was started for does not answer: tell the user to check it is "
                         "running (dbsage doctor, in their terminal)",
    "CapabilityMissing": None,  # the engine's own hint says which extension or setting to turn on: keep it
    "ModelNotConfigured": "the server answered with the plain router; the user configures a model where "
                          "`dbsage mcp` is started (DBSAGE_MODEL, OPENAI_API_KEY or OPENAI_BASE_URL)",
}
_CLI_ONLY = ("--timeout", "--db", "--format", "--yes", "--write-db", "DBSAGE_DB")


def hint_for_mcp(error_type: str | None, hint: str | None) -> str | None:
    """The hint an MCP client can act on, for an error of `error_type` whose own hint is `hint`."""
    if error_type in _BY_TYPE:
        return _BY_TYPE[error_type] or hint
    if hint and any(flag in hint for flag in _CLI_ONLY):
        return "the server's limits and target are set where `dbsage mcp` was started; change the call instead"
    return hint
