"""The PostgreSQL guard: parse with PostgreSQL's own grammar (pglast), then allow only what is known to be a read.

Exactly one statement; top-level kinds SELECT/VALUES/TABLE, EXPLAIN and SHOW; then every node of the tree is checked:
no nested writing statement (data-modifying CTEs), no SELECT INTO, no row locks, only allow-listed functions by a
plain or pg_catalog-qualified name, no secret catalogs, no user operators from other schemas.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

from pglast import ast, parse_sql
from pglast.parser import ParseError

from dbsage.tools.errors import GuardRefusal, StatementSyntaxError
from dbsage.tools.guard.functions import (
    FUNCTION_HINT,
    PG_REASON_PREFIXES,
    PG_REASONS,
    PG_SECRET_INFORMATION_SCHEMA,
    PG_SECRET_RELATIONS,
    PG_TABLESAMPLE_METHODS,
    pg_function_verdict,
)
from dbsage.tools.guard.statement import GuardedStatement

_HINT = "dbsage runs one read-only statement: SELECT, EXPLAIN or SHOW"

# Why a top-level statement kind is refused, in DBA words. Anything not listed gets the generic reason.
_STATEMENT_REASONS: dict[str, str] = {
    "TransactionStmt": "transaction control (BEGIN/COMMIT/ROLLBACK/SAVEPOINT) could end dbsage's read-only "
    "transaction",
    "VariableSetStmt": "SET/RESET changes session settings (SET TRANSACTION READ WRITE would turn read-only off)",
    "DoStmt": "DO runs procedural code the guard cannot inspect (it can COMMIT and write)",
    "CallStmt": "CALL runs a procedure (it can COMMIT and write)",
    "CopyStmt": "COPY reads or writes server files and programs",
    "LockStmt": "LOCK takes table locks that block other sessions",
    "VacuumStmt": "VACUUM/ANALYZE maintain tables (ANALYZE writes statistics even in a read-only transaction)",
    "ReindexStmt": "REINDEX rebuilds indexes and blocks writers",
    "ClusterStmt": "CLUSTER rewrites a table under an exclusive lock",
    "CheckPointStmt": "CHECKPOINT forces server I/O",
    "ListenStmt": "LISTEN subscribes the session to notifications",
    "UnlistenStmt": "UNLISTEN changes session state",
    "NotifyStmt": "NOTIFY sends messages to other sessions",
    "PrepareStmt": "PREPARE stores a statement the guard would not see again when it is executed",
    "ExecuteStmt": "EXECUTE runs a prepared statement the guard cannot see",
    "DeallocateStmt": "DEALLOCATE changes session state",
    "InsertStmt": "INSERT changes data",
    "UpdateStmt": "UPDATE changes data",
    "DeleteStmt": "DELETE changes data",
    "MergeStmt": "MERGE changes data",
    "TruncateStmt": "TRUNCATE deletes all rows",
    "DiscardStmt": "DISCARD resets session state",
    "DeclareCursorStmt": "DECLARE keeps a cursor open outside dbsage's bounds",
    "FetchStmt": "FETCH reads from a cursor the guard cannot see",
    "ClosePortalStmt": "CLOSE changes session state",
    "LoadStmt": "LOAD loads a shared library into the server",
    "GrantStmt": "GRANT/REVOKE changes privileges",
    "GrantRoleStmt": "GRANT/REVOKE changes role membership",
    "AlterSystemStmt": "ALTER SYSTEM changes the server configuration",
    "CreateTableAsStmt": "CREATE TABLE AS / SELECT INTO creates a table",
    "RefreshMatViewStmt": "REFRESH MATERIALIZED VIEW rewrites a view's data",
    "CommentStmt": "COMMENT ON changes the catalog",
    "SecLabelStmt": "SECURITY LABEL changes the catalog",
    "ConstraintsSetStmt": "SET CONSTRAINTS changes transaction state",
    "IndexStmt": "CREATE INDEX changes the schema (and locks the table)",
    "RuleStmt": "CREATE RULE changes the schema",
    "ViewStmt": "CREATE VIEW changes the schema",
    "CreateRoleStmt": "CREATE ROLE creates a login or role",
    "AlterRoleStmt": "ALTER ROLE changes a role (passwords, privileges)",
}


def _statement_reason(node: ast.Node) -> str:
    name = type(node).__name__
    if name in _STATEMENT_REASONS:
        return _STATEMENT_REASONS[name]
    words = name.removesuffix("Stmt")
    if words.startswith(("Create", "Alter", "Drop", "Rename", "Define", "Reassign", "Import")):
        return f"{words} changes the schema or server objects"
    return f"{words} is not a read-only query"


def walk(node: Any) -> Iterator[ast.Node]:
    """Every AST node under `node` (inclusive), depth first; plain values are skipped."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, ast.Node):
            yield item
            stack.extend(getattr(item, attr) for attr in item.__slots__)  # type: ignore[attr-defined]


def _names(nodes: Any) -> list[str]:
    return [str(n.sval) for n in nodes or () if isinstance(n, ast.String)]


_PARSER_STACK_BYTES = 256 * 1024 * 1024  # address space, committed only as deep as a statement nests


def _parse_deep(sql: str) -> Any:
    """pglast.parse_sql on a thread with a big C stack: turning a deeply nested tree (`SELECT 1+1+…` 24,000 times,
    50 KB of text) into Python objects recurses in C and overflows a normal thread's stack — a segfault that would
    end the whole process (an MCP server, a chat). On a big stack it parses, and the guard judges it like any other."""
    outcome: list[Any] = []

    def parse() -> None:
        try:
            outcome.append(parse_sql(sql))
        except BaseException as exc:  # handed to the calling thread as is
            outcome.append(exc)

    previous = threading.stack_size(_PARSER_STACK_BYTES)
    try:
        worker = threading.Thread(target=parse, name="dbsage-guard-parse", daemon=True)
        worker.start()
    finally:
        threading.stack_size(previous)
    worker.join()
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def parse_one(sql: str) -> ast.Node:
    """The single statement in `sql`, or a refusal (nothing, several, or not PostgreSQL)."""
    try:
        statements = _parse_deep(sql)
    except ParseError as exc:
        from dbsage.tools.guard.dialect import foreign_hint, where

        message, index = (exc.args + (None, None))[:2]
        raise StatementSyntaxError(f"not valid PostgreSQL: {message}{where(sql, index)}",
                                   foreign_hint(sql, "postgres") or "fix the syntax; " + _HINT) from None
    if not statements:
        raise GuardRefusal("no statement to run", _HINT)
    if len(statements) > 1:
        raise GuardRefusal(f"{len(statements)} statements; dbsage runs exactly one statement at a time",
                           "send each statement on its own")
    stmt = statements[0].stmt
    if stmt is None:
        raise GuardRefusal("no statement to run", _HINT)
    return stmt


def _analyze_requested(explain: ast.ExplainStmt) -> bool:
    for option in explain.options or ():
        if option.defname == "analyze":
            arg = option.arg
            value = getattr(arg, "sval", None) or getattr(arg, "boolval", None) or getattr(arg, "ival", None)
            if arg is None or str(value).lower() not in ("false", "off", "0", "no"):
                return True
    return False


def check_postgres(sql: str) -> GuardedStatement:
    """Accept `sql` as one read-only PostgreSQL statement, or raise GuardRefusal saying why not."""
    stmt = parse_one(sql)
    if isinstance(stmt, ast.VariableShowStmt):
        return GuardedStatement(sql=sql, engine="postgres", kind="show")
    if isinstance(stmt, ast.SelectStmt):
        statement = GuardedStatement(sql=sql, engine="postgres", kind="select")
        return _check_tree(stmt, plan_only=False).into(statement)
    if isinstance(stmt, ast.ExplainStmt):
        analyze = _analyze_requested(stmt)
        inner = stmt.query
        allowed_inner = (ast.SelectStmt,) if analyze else (ast.SelectStmt, ast.InsertStmt, ast.UpdateStmt,
                                                           ast.DeleteStmt, ast.MergeStmt)
        if inner is None or not isinstance(inner, allowed_inner):
            reason = _statement_reason(inner) if inner is not None else "it has no statement"
            if analyze:
                raise GuardRefusal(f"EXPLAIN ANALYZE executes the statement, and {reason}",
                                   "use EXPLAIN without ANALYZE to see the plan only")
            raise GuardRefusal(f"EXPLAIN of this statement is not allowed: {reason}", _HINT)
        statement = GuardedStatement(sql=sql, engine="postgres", kind="explain", executes_inner=analyze)
        return _check_tree(inner, plan_only=not analyze).into(statement)
    raise GuardRefusal(_statement_reason(stmt), _HINT)


_OPERATOR_SYMBOL = re.compile(r"^[+\-*/<>=~!@#%^&|`?]+$")
_WRITING = (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt)


class _Names:
    """What a statement names that only the live catalog can judge: the executor checks these before running it."""

    def __init__(self) -> None:
        self.functions: set[str] = set()
        self.operators: set[str] = set()
        self.types: set[str] = set()
        self.relations: set[str] = set()

    def into(self, statement: GuardedStatement) -> GuardedStatement:
        statement.functions, statement.operators = sorted(self.functions), sorted(self.operators)
        statement.types, statement.relations = sorted(self.types), sorted(self.relations)
        return statement


def _check_tree(root: ast.Node, *, plan_only: bool) -> _Names:
    """Check every node under a statement; collect the names the executor must check against the catalog."""
    names = _Names()
    for node in walk(root):
        if node is root:
            continue
        if isinstance(node, _WRITING):
            if not plan_only:
                raise GuardRefusal(f"a data-modifying part ({_statement_reason(node)}) inside the query",
                                   "data-modifying CTEs write even inside a SELECT; " + _HINT)
        elif type(node).__name__.endswith("Stmt") and not isinstance(node, ast.SelectStmt):
            raise GuardRefusal(f"{_statement_reason(node)} (nested inside the query)", _HINT)
        _check_node(node, names)
    return names


def _check_node(node: ast.Node, names: _Names) -> None:
    if isinstance(node, ast.IntoClause):
        raise GuardRefusal("SELECT … INTO creates a table", "drop the INTO clause")
    if isinstance(node, ast.LockingClause):
        raise GuardRefusal("SELECT … FOR UPDATE/SHARE locks rows that other sessions then wait on",
                           "drop the FOR UPDATE/SHARE clause")
    if isinstance(node, ast.FuncCall):
        names.functions.update(_check_function(_names(node.funcname)))
    elif isinstance(node, ast.RangeTableSample):
        method = _names(node.method)
        if len(method) != 1 or method[0] not in PG_TABLESAMPLE_METHODS:
            raise GuardRefusal(f"TABLESAMPLE method {'.'.join(method)} is not a built-in sampling method",
                               "use BERNOULLI or SYSTEM")
    elif isinstance(node, ast.RangeVar):
        _check_relation(node)
        # a view runs its stored definition: the executor resolves the name and judges that (engines/postgres/reads)
        names.relations.add(".".join(_quoted(p) for p in (node.schemaname, node.relname) if p))
    elif isinstance(node, ast.A_Expr | ast.SubLink | ast.SortBy):
        # `a op b`, `a op ANY (SELECT …)`, `ORDER BY a USING op`: each names an operator, i.e. a function
        name = _names(getattr(node, "name", None) or getattr(node, "operName", None) or getattr(node, "useOp", None))
        _check_operator(name)
        if len(name) == 1 and _OPERATOR_SYMBOL.match(name[0]):
            names.operators.add(name[0])  # the executor refuses it if a user-defined operator of that name exists
    elif isinstance(node, ast.TypeName):
        parts = _names(node.names)
        if parts and parts[0] != "pg_catalog":  # a cast to a domain or user type can run user code
            names.types.add(".".join(_quoted(p) for p in parts))
    elif isinstance(node, ast.ColumnRef):
        parts = _names(node.fields)
        _check_column_notation(parts)
        if len(parts) >= 2:
            names.functions.add(parts[-1])  # `t.f` may be f(t): the executor refuses it if a user function f exists


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _check_function(parts: list[str]) -> list[str]:
    """Refuse a call unless it is an allow-listed name, plain or pg_catalog-qualified."""
    shown = ".".join(parts) + "()"
    if len(parts) == 2 and parts[0] != "pg_catalog" or len(parts) > 2:
        raise GuardRefusal(f"{shown}: dbsage calls built-in functions only, by their plain or pg_catalog name",
                           f"call {parts[-1]}() without a schema if it is a built-in")
    name = parts[-1]
    reason = pg_function_verdict(name)
    if reason is not None:
        raise GuardRefusal(f"{name}() {reason}; dbsage is read-only", FUNCTION_HINT)
    return [name] if len(parts) == 1 else []


def _check_relation(node: ast.RangeVar) -> None:
    secrets = PG_SECRET_INFORMATION_SCHEMA if node.schemaname == "information_schema" else PG_SECRET_RELATIONS
    if node.schemaname in (None, "pg_catalog", "information_schema") and node.relname in secrets:
        raise GuardRefusal(f"{node.relname} {secrets[node.relname]}; dbsage does not read secrets",
                           "use pg_roles / pg_stats, which hide secrets")


def _check_operator(parts: list[str]) -> None:
    if len(parts) > 1 and parts[0] != "pg_catalog":
        raise GuardRefusal(f"OPERATOR({'.'.join(parts)}) is a user-defined operator; dbsage uses built-ins only",
                           "use a built-in operator, written plainly or as OPERATOR(pg_catalog.…)")


# Prefixes of dangerous families that no ordinary column name starts with ("lo_" does: SSB's lo_orderkey).
_NOTATION_PREFIXES = tuple(prefix for prefix, _ in PG_REASON_PREFIXES if not prefix.startswith("lo"))


def _check_column_notation(parts: list[str]) -> None:
    # PostgreSQL lets `t.f` mean f(t): refuse a dangerous function reached through column notation.
    if len(parts) < 2:
        return
    name = parts[-1]
    if name in PG_REASONS or name.startswith(_NOTATION_PREFIXES):
        raise GuardRefusal(f"{'.'.join(parts)} would call {name}() through column notation; dbsage is read-only",
                           "select one of the table's own columns instead")
