"""Hints that fit the front end an error reaches. The typed errors (tools/errors.py) carry a hint written for a
person at a terminal running a command (`--timeout`, `--db`, `dbsage doctor`). Elsewhere that advice is wrong: a
model inside the agent loop, or an MCP client, can change its own call and nothing else; `dbsage ask` has no
`--timeout`. The error's type picks the hint for each front end; the error's own hint is kept when it names nothing
the front end cannot do.

Front ends: "tool" (a model or the router reading a tool outcome: the loop, MCP `ask`, chat), "mcp" (an MCP client
calling a tool directly), "ask" (a person reading `dbsage ask`).
"""

from __future__ import annotations

from typing import Literal

FrontEnd = Literal["tool", "mcp", "ask"]

_NARROW = "narrow the statement (filters, LIMIT, fewer rows or joins) and call again"
_BY_TYPE: dict[str, dict[FrontEnd, str | None]] = {
    "StatementTimeout": {
        "tool": f"{_NARROW}, or answer from what you have; the time limit is not yours to change",
        "mcp": f"{_NARROW}; the time limit is set where `dbsage mcp` was started (its statement timeout)",
        "ask": "ask about a narrower query; `dbsage sql --timeout SECONDS` runs one statement with a longer limit",
    },
    "ConnectionLost": {
        "tool": "call the tool once more: dbsage reconnects; if it fails again, tell the user the database is not "
                "answering",
        "mcp": "call again: dbsage reconnects on the next call; if it keeps failing, the database is down or "
               "restarting — tell the user",
        "ask": "ask again: dbsage reconnects; if it keeps failing, check the server with `dbsage doctor`",
    },
    "PoolExhausted": {
        "tool": "make fewer tool calls at once, then call again",
        "mcp": "too many calls at once for dbsage's connections: wait for running calls to finish, then call again "
               "(fewer in parallel)",
        "ask": "ask again in a moment: other calls held every connection",
    },
    "TargetUnreachable": {
        "tool": "the database does not answer: tell the user (they can check it with `dbsage doctor`)",
        "mcp": "the database `dbsage mcp` was started for does not answer: tell the user to check it is running "
               "(`dbsage doctor` in their terminal)",
        "ask": "check the target with `dbsage doctor --db …`, then ask again",
    },
}
_CLI_ONLY = ("--timeout", "--db", "--format", "--yes", "--write-db", "DBSAGE_DB")


def hint_for(front_end: FrontEnd, error_type: str | None, hint: str | None) -> str | None:
    """The hint `front_end` can act on, for an error of `error_type` (a class name) whose own hint is `hint`."""
    by_front_end = _BY_TYPE.get(error_type or "")
    if by_front_end is not None and by_front_end.get(front_end) is not None:
        return by_front_end[front_end]
    if front_end != "ask" and hint and any(flag in hint for flag in _CLI_ONLY):
        without = _drop_cli_clauses(hint)
        return without or "the server's limits and target are set where dbsage was started; change the call instead"
    return hint


def _drop_cli_clauses(hint: str) -> str:
    """`hint` without its clauses that name a command-line option ("…, or raise the limit with --timeout")."""
    clauses = [c.strip() for part in hint.split(";") for c in part.split(" or ")]
    kept = [c for c in clauses if c and not any(flag in c for flag in _CLI_ONLY)]
    return " or ".join(kept)
