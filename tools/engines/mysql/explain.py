"""EXPLAIN on MySQL/MariaDB: guard first, then `EXPLAIN FORMAT=JSON` inside the engine's read-only, rolled-back
session; with `run`, MariaDB's `ANALYZE FORMAT=JSON` (it executes the statement: plain reads only, under the
session's max_statement_time) or MySQL 8's `EXPLAIN ANALYZE` (tree text, whose measured rows and times are merged
into the JSON plan). The plan and the catalog facts go to the pure rules in tools/explain/mysql_*.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pymysql

from dbsage.tools.errors import DatabaseError, GuardRefusal, StatementTimeout, UsageError
from dbsage.tools.explain.analysis import ExplainResult
from dbsage.tools.explain.mysql_insights import (
    MySQLColumnFacts,
    MySQLExplainContext,
    MySQLIndexFacts,
    MySQLTableFacts,
    aliases_of,
    mysql_insights,
    parse_statement,
)
from dbsage.tools.explain.mysql_plan import MySQLNode, parse_document, table_accesses, to_plan
from dbsage.tools.guard.dialect import foreign_hint
from dbsage.tools.redact import redact

if TYPE_CHECKING:
    from dbsage.tools.engines.mysql.adapter import MySQLEngine

EXECUTABLE = {"select"}  # guard kinds ANALYZE may execute: plain reads
_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}
_TIMEOUT_ERRORS = {1969, 3024}
_SYNTAX_ERROR = 1064
_READ_ONLY_TRANSACTION = 1792


def explain_statement(engine: MySQLEngine, sql: str, *, run: bool = False) -> ExplainResult:
    """Plan (and with `run`, execute and measure) one statement; insights included."""
    from dbsage.tools import guard

    statement = sql.strip().rstrip(";").strip()
    if not statement:
        raise UsageError("no statement to explain", "pass the SQL as an argument: dbsage explain 'SELECT ...'")
    if statement.split(None, 1)[0].lower() in ("explain", "analyze", "describe", "desc"):
        raise UsageError("the statement already starts with EXPLAIN/ANALYZE",
                         "pass the query itself; add --analyze to run it")
    # The guard judges what is sent: plan-only EXPLAIN of any allowed statement (INSERT/UPDATE/DELETE only plan);
    # ANALYZE executes, so only of plain reads.
    if run and guard.check(statement, "mysql").kind not in EXECUTABLE:
        raise UsageError("--analyze runs the statement, so it is only for plain reads (SELECT)",
                         "drop --analyze to see the plan without running it")
    sent = guard.check(f"EXPLAIN FORMAT=JSON {statement}", "mysql")
    with engine.connection() as conn:
        from dbsage.tools.engines.mysql.query import _refuse_backslash_ambiguity, _refuse_unqualified_secrets
        from dbsage.tools.engines.mysql.reads import refuse_view_code

        _refuse_unqualified_secrets(conn, sent)
        _refuse_backslash_ambiguity(conn, sent)
        refuse_view_code(conn, sent)
        mariadb = bool(engine.flavour and engine.flavour.mariadb)
        document = _json(_one(conn, sent.sql, statement, engine), statement)
        tree_text = None
        if run and mariadb:
            analyzed = guard.check(f"ANALYZE FORMAT=JSON {statement}", "mysql")
            document = _json(_one(conn, analyzed.sql, statement, engine), statement)
        elif run:
            analyzed = guard.check(f"EXPLAIN ANALYZE {statement}", "mysql")
            tree_text = str(_one(conn, analyzed.sql, statement, engine))
        conn.rollback()  # nothing the statement did survives
        root = parse_document(document)
        if tree_text:
            merge_tree_analyze(root, tree_text)
        tree = parse_statement(statement)
        context = read_context(engine, conn, root, tree)
    context.online_ddl = online_ddl_supported(engine)
    insights = mysql_insights(root, statement, context)
    plan = to_plan(root, context.aliases)
    shares = {node.id: node.share for node in plan.nodes()}
    insights.sort(key=lambda i: (_ORDER[i.severity], -shares.get(i.node_id or 0, 0.0)))
    result = ExplainResult(sql=statement, analyzed=plan.analyzed, plan=plan, insights=insights)
    if run:
        how = "ANALYZE FORMAT=JSON" if mariadb else "EXPLAIN ANALYZE"
        result.notes.append(f"executed with {how} inside a read-only transaction that was rolled back "
                            f"(time limit {engine.limits.statement_timeout_ms} ms)")
    if not any(n.cost for n in root.walk()):
        result.notes.append("MariaDB reports no costs: node shares are rows examined (estimated), or measured time "
                            "with --analyze")
    return result


def online_ddl_supported(engine: MySQLEngine) -> bool:
    """ADD INDEX with ALGORITHM=INPLACE, LOCK=NONE: MySQL 5.6+, MariaDB 10.0+."""
    flavour = engine.flavour
    if flavour is None:
        return True
    return flavour.number >= ((10, 0) if flavour.mariadb else (5, 6))


def _one(conn: Any, sent: str, statement: str, engine: MySQLEngine) -> Any:
    try:
        with conn.cursor(pymysql.cursors.Cursor) as cur:
            cur.execute(sent)  # guarded above; no parameters, so a % stays as written
            row = cur.fetchone()
            while cur.nextset():
                pass
    except pymysql.err.MySQLError as exc:
        code = exc.args[0] if exc.args else None
        text = redact(str(exc.args[1] if len(exc.args) > 1 else exc)).strip()
        if code in _TIMEOUT_ERRORS:
            raise StatementTimeout(f"the statement ran longer than the {engine.limits.statement_timeout_ms} ms limit",
                                   "run without --analyze to see the plan without executing it") from None
        if code == _READ_ONLY_TRANSACTION:
            raise DatabaseError("the server will not plan a data-changing statement inside dbsage's read-only "
                                "transaction", "explain the SELECT with the same FROM and WHERE: it reads the "
                                "same rows the same way") from None
        hint = foreign_hint(statement, "mysql") if code == _SYNTAX_ERROR else None
        raise DatabaseError(f"MySQL error {code}: {text}",
                            hint or "check the statement runs on its own (names, literal values)") from None
    if not row:
        raise DatabaseError("EXPLAIN returned nothing", "run EXPLAIN FORMAT=JSON on the statement yourself")
    return row[0]


def _json(value: Any, statement: str) -> dict[str, Any]:
    try:
        document = json.loads(value)
    except (TypeError, json.JSONDecodeError):
        raise DatabaseError("EXPLAIN did not return JSON", "run EXPLAIN FORMAT=JSON on the statement yourself") \
            from None
    if not isinstance(document, dict):
        raise DatabaseError("EXPLAIN returned no plan", "run EXPLAIN FORMAT=JSON on the statement yourself")
    return document


_TREE_LINE = re.compile(r"->\s*(?P<what>.*?)\s+on\s+(?P<table>\w+)(?:\s+using\s+\S+)?.*?"
                        r"\(actual time=(?P<first>[\d.]+)\.\.(?P<last>[\d.]+) rows=(?P<rows>[\d.e+]+) "
                        r"loops=(?P<loops>\d+)\)")


def merge_tree_analyze(root: MySQLNode, tree_text: str) -> None:
    """MySQL 8 EXPLAIN ANALYZE prints a tree of iterators with `(actual time=first..last rows=R loops=L)`; put the
    measured rows, loops and time of each table's access onto that table's node of the JSON plan."""
    measured: dict[str, tuple[float, float, float]] = {}
    for match in _TREE_LINE.finditer(tree_text):
        table = match["table"].lower()
        if table not in measured:  # the first (outermost) line about a table is its access
            rows, loops = float(match["rows"]), float(match["loops"])
            measured[table] = (rows, loops, float(match["last"]) * loops)
    for node in table_accesses(root):
        found = measured.get((node.table or "").lower())
        if found:
            node.r_rows, node.r_loops, node.r_time_ms = found
            node.r_filtered = None  # EXPLAIN ANALYZE reports the rows after the filter, not before


def read_context(engine: MySQLEngine, conn: Any, root: MySQLNode, tree: Any) -> MySQLExplainContext:
    """Row counts, columns (with character sets) and indexes of the tables the plan reads."""
    aliases = aliases_of(tree)
    shown = {(n.table or "").lower() for n in table_accesses(root)}
    names = sorted({aliases.get(s, s) for s in shown if s and not s.startswith("<")} | set(aliases.values()))
    context = MySQLExplainContext(aliases=aliases)
    if not names:
        return context
    params = {"names": names}
    scope = "TABLE_SCHEMA = DATABASE()" if engine.database else "TABLE_SCHEMA NOT IN ('mysql', 'sys', " \
        "'information_schema', 'performance_schema')"
    with conn.cursor() as cur:
        cur.execute(f"SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, TABLE_ROWS AS r FROM information_schema.TABLES "
                    f"WHERE {scope} AND TABLE_NAME IN %(names)s", params)
        tables = {(r["t"]).lower(): MySQLTableFacts(schema_name=r["s"], name=r["t"], rows=int(r["r"] or 0))
                  for r in cur.fetchall()}
        cur.execute(f"SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLUMN_TYPE AS ct, DATA_TYPE AS dt, "
                    f"IS_NULLABLE = 'YES' AS n, CHARACTER_SET_NAME AS cs, COLLATION_NAME AS co "
                    f"FROM information_schema.COLUMNS WHERE {scope} AND TABLE_NAME IN %(names)s "
                    f"ORDER BY TABLE_NAME, ORDINAL_POSITION", params)
        for r in cur.fetchall():
            if r["t"].lower() in tables:
                tables[r["t"].lower()].columns.append(MySQLColumnFacts(
                    name=r["c"], column_type=r["ct"], data_type=r["dt"], nullable=bool(r["n"]), charset=r["cs"],
                    collation=r["co"]))
        cur.execute(f"SELECT TABLE_NAME AS t, INDEX_NAME AS i, NON_UNIQUE AS nu, "
                    f"GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX SEPARATOR ',') AS c "
                    f"FROM information_schema.STATISTICS WHERE {scope} AND TABLE_NAME IN %(names)s "
                    f"GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE", params)
        for r in cur.fetchall():
            if r["t"].lower() in tables and r["c"]:
                tables[r["t"].lower()].indexes.append(MySQLIndexFacts(name=r["i"], columns=r["c"].split(","),
                                                                      unique=not r["nu"]))
    context.tables = list(tables.values())
    return context


__all__ = ["GuardRefusal", "explain_statement"]
