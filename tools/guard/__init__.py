"""The read-only guard: every statement from a user, a workload file or the agent passes here before any database.

`check(sql, engine)` parses with the engine's real grammar and allows only what is known to be a read; it raises
GuardRefusal (exit code 3) with the reason in DBA words. It imports no driver. The engines then run the accepted
statement read-only, with timeouts, row/byte caps and a rollback (tools/engines/*_query.py): the guard is the first
layer, not the only one. See docs/security.md.
"""

from __future__ import annotations

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
    try:
        if engine == "postgres":
            from dbsage.tools.guard.postgres import check_postgres

            return check_postgres(sql)
        if engine == "mysql":
            from dbsage.tools.guard.mysql import check_mysql

            return check_mysql(sql)
    except RecursionError:  # sqlglot parses recursively: a deeply nested statement exhausts Python's stack
        raise GuardRefusal("the statement nests too deeply for dbsage to check", "flatten the expression") from None
    raise GuardRefusal(f"the SQL guard has no grammar for engine {engine!r}",
                       "use check_mongo() for MongoDB operations")


def check_mongo(operation: dict[str, Any], *, max_time_ms: int = 5_000) -> GuardedMongoCommand:
    """Accept one read-only MongoDB command document (find/aggregate/count/distinct or a read-only command)."""
    from dbsage.tools.guard.mongo import check_mongo_command

    return check_mongo_command(operation, max_time_ms=max_time_ms)
