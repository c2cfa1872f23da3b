"""The read-only guard: every statement from a user, a workload file or the agent passes here before any database.

Map: `postgres.py` (pglast), `mysql.py` (sqlglot), `mongo.py` (command documents) — one grammar file per
engine, named by the engine's line in tools/engines/registry.py (`sql_guard`); `functions.py` (the function
allow-lists); `statement.py` (GuardedStatement). To guard a new SQL engine: write `<engine>.py` with
`check_<engine>(sql)` and name it in the registry line.

`check(sql, engine)` parses with the engine's real grammar and allows only what is known to be a read; it raises
GuardRefusal (exit code 3) with the reason in DBA words. It imports no driver. The engines then run the accepted
statement read-only, with timeouts, row/byte caps and a rollback (tools/engines/<engine>/query.py): the guard is
the first layer, not the only one. See docs/security.md.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, Any

from dbsage.tools.errors import GuardRefusal
from dbsage.tools.guard.statement import GuardedStatement, SqlEngine

if TYPE_CHECKING:
    from dbsage.tools.guard.mongo import GuardedMongoCommand

__all__ = ["GuardRefusal", "GuardedStatement", "check", "check_mongo"]


MAX_STATEMENT_CHARS = 200_000


def check(sql: str, engine: SqlEngine) -> GuardedStatement:
    """Accept one read-only statement for `engine` ("postgres" or "mysql"), or raise GuardRefusal saying why not."""
    if not isinstance(sql, str) or not sql.strip():
        raise GuardRefusal("no statement to run", "pass one SELECT, EXPLAIN or SHOW statement")
    if "\x00" in sql:
        raise GuardRefusal("the statement contains a NUL byte", "remove it; no server accepts one")
    if len(sql) > MAX_STATEMENT_CHARS:  # parsing time and memory grow with the text: bound them
        raise GuardRefusal(f"the statement is {len(sql):,} characters; dbsage checks at most "
                           f"{MAX_STATEMENT_CHARS:,}", "split it into smaller statements")
    grammar = _sql_grammar(engine)
    try:
        return grammar(sql)
    except RecursionError:  # sqlglot parses recursively: a deeply nested statement exhausts Python's stack
        raise GuardRefusal("the statement nests too deeply for dbsage to check", "flatten the expression") from None


def _sql_grammar(engine: str) -> Callable[[str], GuardedStatement]:
    """The engine's SQL grammar, as its registry line names it (one file per engine in this package)."""
    from dbsage.tools.engines.registry import ENGINES

    info = next((e for e in ENGINES if e.name == engine), None)
    if info is None or info.sql_guard is None:
        raise GuardRefusal(f"the SQL guard has no grammar for engine {engine!r}",
                           "use check_mongo() for MongoDB operations")
    module, _, name = info.sql_guard.partition(":")
    grammar: Callable[[str], GuardedStatement] = getattr(import_module(module), name)
    return grammar


def check_mongo(operation: dict[str, Any], *, max_time_ms: int = 5_000) -> GuardedMongoCommand:
    """Accept one read-only MongoDB command document (find/aggregate/count/distinct or a read-only command)."""
    from dbsage.tools.guard.mongo import check_mongo_command

    return check_mongo_command(operation, max_time_ms=max_time_ms)
