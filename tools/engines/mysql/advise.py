"""`dbsage advise` on MySQL/MariaDB. MySQL has no hypothetical indexes, so advice is verified only where it honestly
can be: with `--scratch TARGET` dbsage copies the workload's tables (definitions without foreign keys, plus a sample
of rows) to the scratch database, builds the candidate indexes there, and compares the optimizer's plans and rows
examined before and after. Without a scratch the advice is heuristic and labelled so.

The target is only read (the engine's read-only session). The scratch is written: it must be another database
(never the target itself), and dbsage replaces the tables of the same names in it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pymysql
from pydantic import BaseModel, Field

from dbsage.tools.advisor.candidate import IndexCandidate, IndexKey
from dbsage.tools.advisor.mysql_candidates import (
    MySQLIndex,
    accesses_of,
    bind_placeholders,
    mysql_candidates,
    ranked,
    split_statements,
)
from dbsage.tools.advisor.report import AdviceReport, Recommendation, SkippedStatement, StatementCost
from dbsage.tools.advisor.workload import WorkloadStatement
from dbsage.tools.errors import DatabaseError, DbsageError, GuardRefusal, TargetUnreachable, UsageError
from dbsage.tools.explain.mysql_plan import estimated_examined, parse_document
from dbsage.tools.redact import redact
from dbsage.tools.targets import Target

if TYPE_CHECKING:
    from pathlib import Path

    from dbsage.tools.engines.mysql.adapter import MySQLEngine

SAMPLE_ROWS = 20_000
# One foreign key per line in SHOW CREATE TABLE, with the comma that separates it from the previous definition
# (the line may end with a comma of its own, when another constraint follows: that one keeps its own).
_FOREIGN_KEY = re.compile(r",\n\s*CONSTRAINT `(?:[^`]|``)+` FOREIGN KEY [^\n]*?(?=,?\n)", re.I)


class StatementCheck(BaseModel):
    statement_id: str
    preview: str
    weight: float = 1.0
    rows_before: float | None = Field(None, description="rows the optimizer expects to examine, on the scratch")
    rows_after: float | None = None
    keys_before: list[str] = Field(default_factory=list)
    keys_after: list[str] = Field(default_factory=list)
    sorts_before: int = Field(0, description="filesorts and temporary tables in the plan")
    sorts_after: int = 0

    @property
    def improved(self) -> bool:
        return (self.rows_after or 0) < (self.rows_before or 0) or self.sorts_after < self.sorts_before


class MySQLRecommendation(BaseModel):
    index: MySQLIndex
    create_sql: str
    drop_sql: str
    kind: str
    helps: list[str] = Field(default_factory=list, description="ids of the statements it serves")
    rows_before: float | None = None
    rows_after: float | None = None


class MySQLAdvice(BaseModel):
    target: str
    verified: bool
    method: str
    workload_source: str
    scratch: str | None = None
    sample_rows: int | None = None
    recommendations: list[MySQLRecommendation] = Field(default_factory=list)
    statements: list[StatementCheck] = Field(default_factory=list)
    skipped: list[tuple[str, str]] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    elapsed_s: float = 0.0


def load_workload_files(path: Path) -> list[WorkloadStatement]:
    """Statements from a .sql file or folder, split with MySQL's rules (backticks, its string escapes)."""
    if not path.exists():
        raise UsageError(f"workload {path} does not exist", "pass a .sql file or a folder of .sql files")
    files = sorted(path.glob("*.sql")) if path.is_dir() else [path]
    statements: list[WorkloadStatement] = []
    for file in files:
        parts = split_statements(file.read_text(encoding="utf-8"))
        for number, sql in enumerate(parts, start=1):
            label = file.name if len(parts) == 1 else f"{file.name}#{number}"
            statements.append(WorkloadStatement(id=label, sql=sql, source=str(file)))
    if not statements:
        raise UsageError(f"the workload in {path} holds no statement", "add SELECT statements to the .sql files")
    return statements


def digest_workload(engine: MySQLEngine, weight_by: str = "calls", limit: int = 100) -> list[WorkloadStatement]:
    """The heaviest SELECT digests (performance_schema); CapabilityMissing with the steps when it is off."""
    from dbsage.tools.engines.mysql.top import top_statements

    report = top_statements(engine, sort="total", limit=limit)
    return [WorkloadStatement(id=s.digest or f"digest{n}", sql=s.query,
                              weight=float(s.calls if weight_by == "calls" else s.total_ms), calls=s.calls,
                              total_ms=s.total_ms, source="performance_schema")
            for n, s in enumerate(report.statements)
            if s.query.lstrip().upper().startswith(("SELECT", "WITH"))]


def advise(engine: MySQLEngine, statements: list[WorkloadStatement], *, scratch: str | None = None,
           max_indexes: int | None = None, workload_source: str = "files") -> MySQLAdvice:
    from dbsage.tools import guard

    started = time.monotonic()
    schema = engine.introspect()
    database = engine.database or ""
    schema_map: dict[str, dict[str, dict[str, str]]] = {}
    for table in schema.tables:
        schema_map.setdefault(table.schema_name, {})[table.name] = {c.name: c.type for c in table.columns}
    types = {f"{t.schema_name}.{t.name}": {c.name: c.type for c in t.columns} for t in schema.tables}
    accesses: dict[str, list[Any]] = {}
    skipped: list[tuple[str, str]] = []
    admitted: list[WorkloadStatement] = []
    for statement in statements:
        try:
            if guard.check(statement.sql, "mysql").kind != "select":
                raise GuardRefusal("only SELECT statements are advised on")
            accesses[statement.id] = accesses_of(statement.sql, schema_map, database)
            admitted.append(statement)
        except (DbsageError, ValueError) as exc:
            skipped.append((statement.id, str(exc).splitlines()[0]))
    if not admitted:
        raise UsageError("no statement of the workload could be analysed",
                         "pass SELECT statements (--workload FILE) that name tables of this database")
    suggested = mysql_candidates(accesses, schema, types)
    weights = {s.id: s.weight for s in admitted}
    picked = ranked(suggested, weights, max_indexes)
    online = _online(engine)
    advice = MySQLAdvice(target=engine.target.display, verified=False, method="heuristic (unverified)",
                         workload_source=workload_source, skipped=skipped)
    advice.recommendations = [MySQLRecommendation(index=i, create_sql=i.create_sql(online),
                                                  drop_sql=i.drop_sql(online), kind=i.kind, helps=sorted(helps))
                              for i, helps in picked]
    if scratch is not None:
        _verify_on_scratch(engine, scratch, admitted, advice)
    else:
        advice.notes.append("MySQL has no hypothetical indexes: these candidates come from the statements' "
                            "filters, joins and sorts, not from the optimizer. Verify them with --scratch TARGET "
                            "(a scratch database dbsage may write: it copies the tables with a sample of rows, "
                            "builds the indexes there and compares the plans)")
    advice.elapsed_s = round(time.monotonic() - started, 2)
    return advice


def _online(engine: MySQLEngine) -> bool:
    flavour = engine.flavour
    return flavour is None or flavour.number >= ((10, 0) if flavour.mariadb else (5, 6))


# -- the scratch copy ----------------------------------------------------------------------------------------------


def scratch_target(engine: MySQLEngine, scratch: str) -> Target:
    """The scratch as a target: a MySQL DSN or connection name naming a database other than the target's."""
    from urllib.parse import urlsplit

    from dbsage.tools.targets import resolve

    found = resolve(scratch)
    if found.engine != "mysql":
        raise UsageError("--scratch must be a MySQL/MariaDB database", "pass mysql://user@host/scratch_db")
    mine, theirs = urlsplit(engine.target.dsn), urlsplit(found.dsn)
    same_server = (mine.hostname, mine.port or 3306) == (theirs.hostname, theirs.port or 3306)
    scratch_db = theirs.path.lstrip("/")
    if not scratch_db:
        raise UsageError("--scratch names no database", "pass mysql://user@host/scratch_db (dbsage replaces tables "
                                                        "in it)")
    if same_server and scratch_db.lower() in ((engine.database or "").lower(), "mysql", "sys"):
        raise UsageError(f"--scratch {found.display} is the target itself (or a system database)",
                         "pass another database: the scratch is written to, the target never is")
    return found


@contextmanager
def _scratch_connection(target: Target) -> Iterator[Any]:
    from dbsage.tools.engines.base import SessionLimits
    from dbsage.tools.engines.mysql.dsn import connect_kwargs

    kwargs = connect_kwargs(target.dsn, SessionLimits())
    kwargs.update(autocommit=True, read_timeout=300, write_timeout=300, program_name="dbsage-scratch",
                  cursorclass=pymysql.cursors.Cursor)
    try:
        conn = pymysql.connect(**kwargs)
    except pymysql.err.MySQLError as exc:
        raise TargetUnreachable(f"cannot connect to the scratch {target.display}: {redact(str(exc)).strip()}",
                                "check the scratch DSN; its database must exist") from None
    try:
        with conn.cursor() as cur:
            cur.execute("SET SESSION foreign_key_checks = 0")
        yield conn
    finally:
        conn.close()


def _verify_on_scratch(engine: MySQLEngine, scratch: str, statements: list[WorkloadStatement],
                       advice: MySQLAdvice) -> None:
    target = scratch_target(engine, scratch)
    tables = _tables_of(statements, engine)
    candidates = [r.index for r in advice.recommendations]
    with _scratch_connection(target) as conn:
        try:
            copied = {t: _copy_table(engine, conn, schema, t) for schema, t in tables}
            checks = [_plan(conn, s, copied) for s in statements]
            built = [c for c in candidates if _build(conn, c, advice)]
            for check, statement in zip(checks, statements, strict=True):
                _replan(conn, statement, copied, check)
        except pymysql.err.MySQLError as exc:
            raise DatabaseError(f"scratch {target.display}: {redact(str(exc)).strip()}",
                                "check the scratch login may CREATE/DROP TABLE and ALTER TABLE there") from None
    advice.statements = checks
    advice.verified, advice.method, advice.scratch = True, "scratch copy", target.display
    advice.sample_rows = SAMPLE_ROWS
    kept = []
    for rec in advice.recommendations:
        helped = [c for c in checks if rec.index.name in c.keys_after and c.improved]
        if rec.index in built and helped:
            rec.helps = [c.statement_id for c in helped]
            rec.rows_before = sum(c.rows_before or 0 for c in helped)
            rec.rows_after = sum(c.rows_after or 0 for c in helped)
            kept.append(rec)
    dropped = len(advice.recommendations) - len(kept)
    advice.recommendations = kept
    advice.notes.append(f"verified on a scratch copy holding the first {SAMPLE_ROWS:,} rows (by primary key) of "
                        "each table: the optimizer's choices on the full tables can differ, and rows examined are "
                        "its estimates")
    if dropped:
        advice.notes.append(f"{dropped} candidate(s) left out: the optimizer did not use them, or they neither "
                            "examined fewer rows nor removed a sort")


def _tables_of(statements: list[WorkloadStatement], engine: MySQLEngine) -> list[tuple[str, str]]:
    from sqlglot import exp, parse_one

    found: set[tuple[str, str]] = set()
    for statement in statements:
        for table in parse_one(statement.sql, read="mysql").find_all(exp.Table):
            found.add((table.db or engine.database or "", table.name))
    return sorted(found)


def _copy_table(engine: MySQLEngine, conn: Any, schema: str, table: str) -> str:
    """The table's definition (without foreign keys) and a sample of its rows, into the scratch."""
    rows = engine.catalog_query(f"SHOW CREATE TABLE `{schema}`.`{table}`")
    if not rows:
        raise DatabaseError(f"no table {schema}.{table}")
    definition = _FOREIGN_KEY.sub("", str(rows[0]["Create Table"]))
    sample = engine.catalog_query(f"SELECT * FROM `{schema}`.`{table}` LIMIT {SAMPLE_ROWS}")
    with conn.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS `{table}`")
        cur.execute(definition)
        if sample:
            columns = list(sample[0])
            insert = (f"INSERT INTO `{table}` ({', '.join(f'`{c}`' for c in columns)}) "
                      f"VALUES ({', '.join(['%s'] * len(columns))})")
            for start in range(0, len(sample), 1000):
                cur.executemany(insert, [tuple(r[c] for c in columns) for r in sample[start:start + 1000]])
        cur.execute(f"ANALYZE TABLE `{table}`")
        cur.fetchall()
    return table


def _explain(conn: Any, sql: str) -> tuple[float, list[str], int]:
    with conn.cursor() as cur:
        cur.execute(f"EXPLAIN FORMAT=JSON {sql}")  # a statement the guard accepted, planned on the scratch
        root = parse_document(cur.fetchone()[0])
    rows = sum(estimated_examined(root).values())
    sorts = sum(1 for n in root.walk() if n.using_filesort or n.using_temporary)
    return rows, sorted({n.key for n in root.walk() if n.key}), sorts


def _bound(conn: Any, statement: WorkloadStatement, copied: dict[str, str]) -> str:
    if "?" not in statement.sql:
        return _unqualified(statement.sql)

    def sample(_table: str | None, column: str) -> object | None:
        """A real value of the column from the first copied table that has it (a digest keeps no values)."""
        with conn.cursor() as cur:
            for table in copied.values():
                cur.execute("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                            "AND TABLE_NAME = %s AND COLUMN_NAME = %s", (table, column))
                if cur.fetchone()[0]:
                    cur.execute(f"SELECT `{column}` FROM `{table}` WHERE `{column}` IS NOT NULL LIMIT 1")
                    row = cur.fetchone()
                    return row[0] if row else None
        return None

    return _unqualified(bind_placeholders(statement.sql, sample))


def _unqualified(sql: str) -> str:
    """The scratch holds the tables under their own names in its database: drop the target's schema prefix."""
    from sqlglot import exp, parse_one

    tree = parse_one(sql, read="mysql")
    for table in tree.find_all(exp.Table):
        table.set("db", None)
    return tree.sql(dialect="mysql")


def _plan(conn: Any, statement: WorkloadStatement, copied: dict[str, str]) -> StatementCheck:
    rows, keys, sorts = _explain(conn, _bound(conn, statement, copied))
    return StatementCheck(statement_id=statement.id, preview=statement.preview(), weight=statement.weight,
                          rows_before=rows, keys_before=keys, sorts_before=sorts)


def _replan(conn: Any, statement: WorkloadStatement, copied: dict[str, str], check: StatementCheck) -> None:
    check.rows_after, check.keys_after, check.sorts_after = _explain(conn, _bound(conn, statement, copied))


def _build(conn: Any, index: MySQLIndex, advice: MySQLAdvice) -> bool:
    try:
        with conn.cursor() as cur:
            cur.execute(f"ALTER TABLE `{index.table}` ADD INDEX `{index.name}` ({index.key_sql()})")
    except pymysql.err.MySQLError as exc:
        advice.notes.append(f"could not build {index.name} on the scratch: {redact(str(exc)).strip()}")
        return False
    return True


def advise_workload(engine: MySQLEngine, statements: list[WorkloadStatement] | None, options: Any,
                    progress: Any = None) -> AdviceReport:
    """`dbsage advise` on MySQL: the workload (files, else the digests), candidates, the scratch check when
    `options.scratch` names one; the engine-neutral AdviceReport the front ends render and file as proposals."""
    source = options.workload_source
    if statements is not None:
        statements = [part for statement in statements for part in _resplit(statement)]
    if statements is None:
        statements = digest_workload(engine, options.weight_by)
        source = "performance_schema digests"
        if not statements:
            raise UsageError("performance_schema holds no SELECT digest for this server yet",
                             "let the application run a while, or give the statements to advise "
                             "(dbsage advise --workload FILE|DIR)")
    if progress:
        progress(f"{len(statements)} statements")
    advice = advise(engine, statements, scratch=options.scratch, max_indexes=options.max_indexes,
                    workload_source=source)
    if options.budget_bytes:
        advice.notes.append("--budget-mb is not applied on MySQL/MariaDB: index sizes are not estimated here "
                            "(use --max-indexes to bound the advice)")
    return to_advice_report(advice, options)


def _resplit(statement: WorkloadStatement) -> list[WorkloadStatement]:
    """Files were split with PostgreSQL's lexer, which MySQL's backslash escapes can defeat (the whole file then
    arrives as one text): split again with MySQL's rules."""
    parts = split_statements(statement.sql) if ";" in statement.sql else [statement.sql]
    if len(parts) <= 1:
        return [statement]
    return [statement.model_copy(update={"id": f"{statement.id}#{n}", "sql": sql})
            for n, sql in enumerate(parts, start=1)]


def to_advice_report(advice: MySQLAdvice, options: Any) -> AdviceReport:
    """Costs are the optimizer's rows examined (estimated, on the scratch copy); without a scratch there are none."""
    checks = {c.statement_id: c for c in advice.statements}

    def cost(statement_id: str) -> StatementCost:
        check = checks.get(statement_id)
        return StatementCost(statement_id=statement_id, preview=check.preview if check else statement_id,
                             weight=check.weight if check else 1.0,
                             cost_before=float(check.rows_before or 0) if check else 0.0,
                             cost_after=float(check.rows_after or 0) if check else 0.0)

    recommendations = [Recommendation(
        index=IndexCandidate(schema_name=r.index.schema_name, table=r.index.table,
                             keys=tuple(IndexKey(sql=c) for c in r.index.columns)),
        create_sql=r.create_sql, drop_sql=r.drop_sql, size_bytes=None, kind=r.kind,
        helps=[cost(q) for q in r.helps],
        benefit=float((r.rows_before or 0) - (r.rows_after or 0)),
    ) for r in advice.recommendations]
    recommendations.sort(key=lambda r: -r.benefit)  # the biggest saving first, as the planner-verified report does
    statements = [cost(c.statement_id) for c in advice.statements]
    report = AdviceReport(
        target=advice.target, verified=advice.verified,
        method="scratch copy" if advice.verified else "heuristic (unverified)",
        parameters="digest placeholders (?) planned with a real value of their column from the scratch copy, "
                   "LIMIT ? as 20" if advice.verified else "",
        workload_source=advice.workload_source, weight_by=options.weight_by, max_indexes=options.max_indexes,
        cost_before=sum(s.cost_before * s.weight for s in statements),
        cost_after=sum(s.cost_after * s.weight for s in statements),
        recommendations=recommendations, statements=statements,
        skipped=[SkippedStatement(statement_id=q, preview=q, reason=why, refused="guard" in why.lower()
                                  or "only SELECT" in why) for q, why in advice.skipped],
        candidates_considered=len(advice.recommendations), elapsed_s=advice.elapsed_s,
        notes=[*advice.notes, "MySQL costs here are rows examined (the optimizer's estimate), not planner cost "
               "units"] if advice.verified else advice.notes,
    )
    return report
