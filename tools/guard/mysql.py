"""The MySQL/MariaDB guard: a raw-text pre-scan for what a parser can miss, then sqlglot's MySQL grammar.

Pre-scan first because the server reads things a generic parser treats as noise: `/*! … */` and `/*M! … */`
comments are *executed* by MySQL/MariaDB, and `INTO OUTFILE/DUMPFILE/@var` and locking reads are refused whatever
the parser makes of them. Then exactly one statement; SELECT/UNION, EXPLAIN/DESCRIBE, SHOW, and MariaDB's
`ANALYZE SELECT` (it executes the query, like EXPLAIN ANALYZE) only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from dbsage.tools.errors import GuardRefusal, StatementSyntaxError
from dbsage.tools.guard.functions import FUNCTION_HINT, MYSQL_REASONS, MYSQL_SECRET_TABLES, mysql_function_verdict
from dbsage.tools.guard.statement import GuardedStatement

_HINT = "dbsage runs one read-only statement: SELECT, EXPLAIN, DESCRIBE or SHOW"

_PRESCAN: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"/\*[M]?!", re.I), "/*! … */ comments are executed by MySQL/MariaDB; the guard refuses hidden code"),
    (re.compile(r"/\*\+"), "optimizer hints (/*+ … */) can override dbsage's limits (MAX_EXECUTION_TIME, SET_VAR)"),
    (re.compile(r"\bINTO\s+(OUTFILE|DUMPFILE)\b", re.I), "SELECT … INTO OUTFILE/DUMPFILE writes server files"),
    (re.compile(r"\bINTO\s+@", re.I), "SELECT … INTO @variable changes session state"),
    (re.compile(r"\bFOR\s+(UPDATE|SHARE)\b|\bLOCK\s+IN\s+SHARE\s+MODE\b", re.I),
     "locking reads (FOR UPDATE/SHARE, LOCK IN SHARE MODE) block other sessions"),
    (re.compile(r"\bLOAD_FILE\b|\bLOAD\s+(DATA|XML)\b", re.I), "LOAD_FILE / LOAD DATA read server files"),
)

_WHERE = re.compile(r"\bWHERE\b", re.I)
_ANALYZE_SELECT = re.compile(r"^\s*ANALYZE\s+(?:FORMAT\s*=\s*\w+\s+)?(?=\(|SELECT\b|WITH\b)", re.I)

# SHOW forms that print password hashes.
_SECRET_SHOW = re.compile(r"^\s*SHOW\s+(GRANTS|CREATE\s+USER)\b", re.I)

_STATEMENT_REASONS: dict[str, str] = {
    "Insert": "INSERT changes data", "Update": "UPDATE changes data", "Delete": "DELETE changes data",
    "Merge": "MERGE changes data", "Create": "CREATE changes the schema", "Drop": "DROP changes the schema",
    "Alter": "ALTER changes the schema", "TruncateTable": "TRUNCATE deletes all rows",
    "Set": "SET changes session or server settings", "Kill": "KILL ends other sessions",
    "Use": "USE changes the session's database", "Transaction": "transaction control could end read-only mode",
    "Commit": "COMMIT ends dbsage's read-only transaction", "Rollback": "ROLLBACK ends dbsage's transaction",
    "Grant": "GRANT changes privileges", "Revoke": "REVOKE changes privileges", "LoadData": "LOAD DATA reads files",
    "Analyze": "ANALYZE TABLE writes statistics and takes locks", "Cache": "CACHE changes server state",
}


@contextmanager
def _quiet_sqlglot() -> Iterator[None]:
    # sqlglot logs a warning when it falls back to an opaque Command; the refusal says it better.
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _index_of(sql: str, line: object, col: object) -> int | None:
    """sqlglot reports a 1-based line and the 1-based column where the offending token ends."""
    if not isinstance(line, int) or not isinstance(col, int) or line < 1:
        return None
    lines = sql.split("\n")
    if line > len(lines):
        return None
    return sum(len(text) + 1 for text in lines[:line - 1]) + max(0, min(col, len(lines[line - 1])) - 1)


def _parse_one(sql: str) -> exp.Expr:
    try:
        with _quiet_sqlglot():
            statements = [s for s in sqlglot.parse(sql, read="mysql") if s is not None]
    except (ParseError, TokenError) as exc:
        from dbsage.tools.guard.dialect import foreign_hint, where

        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        located = (getattr(exc, "errors", None) or [{}])[0]
        position = _index_of(sql, located.get("line"), located.get("col"))
        if position is not None:
            first = str(located.get("description") or first) + where(sql, position)
        raise StatementSyntaxError(f"not a statement dbsage can classify: {first}",
                                   foreign_hint(sql, "mysql") or "fix the syntax; " + _HINT) from None
    if not statements:
        raise GuardRefusal("no statement to run", _HINT)
    if len(statements) > 1:
        raise GuardRefusal(f"{len(statements)} statements; dbsage runs exactly one statement at a time",
                           "send each statement on its own")
    return statements[0]


def check_mysql(sql: str) -> GuardedStatement:
    """Accept `sql` as one read-only MySQL/MariaDB statement, or raise GuardRefusal saying why not."""
    for pattern, reason in _PRESCAN:
        if pattern.search(sql):
            raise GuardRefusal(reason, _HINT)
    analyze = _ANALYZE_SELECT.match(sql)
    if analyze:  # MariaDB: ANALYZE SELECT runs the query and reports the plan with real counts
        inner = _parse_one(sql[analyze.end():])
        if not isinstance(inner, exp.Query):
            raise GuardRefusal("ANALYZE executes the statement, and only a SELECT may run", _HINT)
        functions, relations = _check_tree(inner, plan_only=False)
        return GuardedStatement(sql=sql, engine="mysql", kind="analyze", executes_inner=True, functions=functions,
                                relations=relations)
    if _SECRET_SHOW.match(sql):
        raise GuardRefusal("SHOW GRANTS / SHOW CREATE USER print password hashes; dbsage does not read secrets",
                           "read information_schema.USER_PRIVILEGES / SCHEMA_PRIVILEGES instead")
    stmt = _parse_one(sql)
    return _classify(sql, stmt)


def _classify(sql: str, stmt: exp.Expr) -> GuardedStatement:
    if isinstance(stmt, exp.Query):
        functions, relations = _check_tree(stmt, plan_only=False)
        return GuardedStatement(sql=sql, engine="mysql", kind="select", functions=functions, relations=relations)
    if isinstance(stmt, exp.Show):  # SHOW … WHERE evaluates expressions: they pass the same checks as a SELECT's
        functions, relations = _check_tree(stmt, plan_only=False)
        return GuardedStatement(sql=sql, engine="mysql", kind="show", functions=functions, relations=relations)
    if isinstance(stmt, exp.Command) and str(stmt.this).upper() == "SHOW":
        if _WHERE.search(str(stmt.expression)):
            raise GuardRefusal("SHOW … WHERE evaluates expressions in a form the guard cannot parse",
                               "use SHOW … LIKE, or query information_schema / performance_schema")
        return GuardedStatement(sql=sql, engine="mysql", kind="show")
    if isinstance(stmt, exp.Describe):
        inner = stmt.this
        analyze = str(stmt.args.get("style") or "").upper() == "ANALYZE"
        if isinstance(inner, exp.Table):
            _check_table(inner)
            return GuardedStatement(sql=sql, engine="mysql", kind="describe", relations=[inner.name.lower()])
        writing = isinstance(inner, exp.Insert | exp.Update | exp.Delete)
        if isinstance(inner, exp.Query) or (writing and not analyze):
            functions, relations = _check_tree(inner, plan_only=writing)
            return GuardedStatement(sql=sql, engine="mysql", kind="explain", executes_inner=analyze,
                                    functions=functions, relations=relations)
        raise GuardRefusal(f"EXPLAIN {'ANALYZE ' if analyze else ''}of this statement is not allowed "
                           f"({_statement_reason(inner)})", _HINT)
    raise GuardRefusal(_statement_reason(stmt), _HINT)


def _statement_reason(node: exp.Expr) -> str:
    name = type(node).__name__
    if isinstance(node, exp.Command):
        return f"{str(node.this).upper()} is not a read-only query"
    return _STATEMENT_REASONS.get(name, f"{name.upper()} is not a read-only query")


_WRITING = (exp.Insert, exp.Update, exp.Delete, exp.Merge)
_NEVER = (exp.Create, exp.Drop, exp.Alter, exp.Command, exp.Set, exp.Kill, exp.Use, exp.Transaction, exp.Commit,
          exp.Rollback, exp.TruncateTable, exp.LoadData, exp.Grant, exp.Revoke, exp.Into, exp.Lock)


def _check_tree(root: exp.Expr, *, plan_only: bool) -> tuple[list[str], list[str]]:
    """Check every node under a statement; return the function names it calls and the tables it reads."""
    called: set[str] = set()
    relations: set[str] = set()
    for node in root.walk():
        if isinstance(node, _WRITING) and not (plan_only and node is root):
            raise GuardRefusal(f"a data-modifying part ({_statement_reason(node)}) inside the query", _HINT)
        if isinstance(node, exp.Lock):
            raise GuardRefusal("locking reads block other sessions", "drop FOR UPDATE / LOCK IN SHARE MODE")
        if isinstance(node, exp.Into):
            raise GuardRefusal("SELECT … INTO writes files or variables", "drop the INTO clause")
        if isinstance(node, _NEVER):
            raise GuardRefusal(f"{_statement_reason(node)} (nested inside the query)", _HINT)
        if isinstance(node, exp.PropertyEQ | exp.SetItem):
            raise GuardRefusal("assigning a variable (@x := …) changes session state", _HINT)
        if isinstance(node, exp.Func):
            called.add(_check_function(node))
        elif isinstance(node, exp.Table):
            _check_table(node)
            relations.add(".".join(p for p in (node.db.lower(), node.name.lower()) if p))
    return sorted(called), sorted(relations)


def _check_function(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        parent = node.parent
        if isinstance(parent, exp.Dot) and parent.expression is node:
            schema = parent.this.name.lower()
            if schema != "sys":
                raise GuardRefusal(f"{schema}.{name}() is a stored function; dbsage calls built-in functions only",
                                   "write out what the stored function computes with built-in functions")
        return _allowed(name)
    # A typed node is a function sqlglot knows from *some* dialect. MySQL resolves a name it has no built-in for to a
    # stored function, so the name MySQL will see (as sqlglot writes it back for MySQL) must be on the allow-list too.
    for name in [n.lower() for n in type(node).sql_names()]:
        _refuse_if(name, MYSQL_REASONS.get(name))
    call = _CALL.match(node.sql(dialect="mysql"))
    if call is None:  # written as syntax, not a call: CASE, x IS NULL, a AND b, INTERVAL …
        return type(node).__name__.lower()
    return _allowed(call.group(1).lower())


def _allowed(name: str) -> str:
    """`name` (lower case) when the allow-list has it; a refusal saying why otherwise."""
    _refuse_if(name, mysql_function_verdict(name))
    return name


def _refuse_if(name: str, reason: str | None) -> None:
    if reason is not None:
        raise GuardRefusal(f"{name.upper()}() {reason}; dbsage is read-only", FUNCTION_HINT)


_CALL = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def _check_table(node: exp.Table) -> None:
    refuse_secret_table(node.db.lower(), node.name.lower())


def refuse_secret_table(schema: str, table: str) -> None:
    """Refuse `schema`.`table` (lower case) when its rows are secrets; the executor calls it too, once it knows the
    session's database for an unqualified name."""
    if (schema, table) in MYSQL_SECRET_TABLES:
        raise GuardRefusal(f"{schema}.{table} {MYSQL_SECRET_TABLES[(schema, table)]}; dbsage does not read secrets",
                           "read information_schema.USER_PRIVILEGES for accounts and privileges")
