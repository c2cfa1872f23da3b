""""Would this index help?": the caller's hypothetical indexes, and each statement's planner cost before and after.

`what_if_indexes(engine, statements, indexes)` uses the engine's what-if session (hypopg on PostgreSQL): nothing is
built, the planner only prices plans as if the indexes existed. Every statement passes the read-only guard first;
every index is parsed with PostgreSQL's own grammar (pglast) into one CREATE INDEX, so the text handed to hypopg is
one we wrote from parsed parts, never the caller's string.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from dbsage.tools.advisor.candidate import IndexCandidate, IndexKey
from dbsage.tools.advisor.workload import WorkloadStatement
from dbsage.tools.errors import CapabilityMissing, DbsageError, GuardRefusal, UsageError

MAX_STATEMENTS = 20
MAX_INDEXES = 10


class HypotheticalIndex(BaseModel):
    given: str = Field(description="the index as the caller wrote it (shortened)")
    create_sql: str | None = Field(default=None, description="the index it would be, as dbsage would build it")
    size_bytes: int | None = Field(default=None, description="hypopg's size estimate")
    used_by: list[str] = Field(default_factory=list, description="statement ids whose plan with the indexes uses it")
    error: str | None = Field(default=None, description="why it could not be costed (bad definition, refused)")


class StatementCost(BaseModel):
    id: str
    preview: str
    cost_before: float | None = None
    cost_after: float | None = None
    change: float | None = Field(default=None, description="relative change of the planner cost, -0.9 = 90 % less")
    uses_before: list[str] = Field(default_factory=list, description="indexes the plan uses today")
    uses_after: list[str] = Field(default_factory=list, description="indexes the plan uses with the hypothetical ones")
    error: str | None = None
    refused: bool = False


class WhatIfReport(BaseModel):
    statements: list[StatementCost]
    indexes: list[HypotheticalIndex]
    method: str = "hypopg: hypothetical indexes, planner cost estimates (nothing built, nothing run)"
    notes: list[str] = Field(default_factory=list)


def parse_index(text: str, schema_of: dict[str, str]) -> IndexCandidate:
    """One index from `CREATE INDEX … ON table (…) [INCLUDE (…)] [WHERE …]` or the short form `table (cols)`.
    `schema_of` maps a table name to its schema, for names given without one. Raises UsageError saying what is wrong."""
    import pglast
    from pglast import ast
    from pglast.stream import RawStream

    sql = text.strip().rstrip(";")
    if not sql.lower().startswith("create"):
        sql = f"CREATE INDEX ON {sql}"
    try:
        parsed = pglast.parse_sql(sql)
    except pglast.parser.ParseError as exc:
        raise UsageError(f"cannot read the index {text[:80]!r}: {exc}",
                         "give it as `CREATE INDEX ON orders (customer_id)` or `orders (customer_id, created_at)`"
                         ) from None
    if len(parsed) != 1 or not isinstance(parsed[0].stmt, ast.IndexStmt):
        raise UsageError(f"{text[:80]!r} is not one CREATE INDEX", "give one index per entry")
    stmt = parsed[0].stmt
    method = (stmt.accessMethod or "btree").lower()
    if method not in ("btree", "hash"):
        raise UsageError(f"{method} indexes are not costed by the what-if tool", "use a B-tree or hash index")
    if stmt.relation is None or not stmt.relation.relname or not stmt.indexParams:
        raise UsageError(f"{text[:80]!r} names no table and columns", "e.g. `orders (customer_id)`")
    table = str(stmt.relation.relname)
    schema = stmt.relation.schemaname or schema_of.get(table)
    if schema is None:
        raise UsageError(f"no table {table!r} in this database", "list the tables with list_objects")
    keys = []
    for elem in stmt.indexParams:
        opclass = ".".join(part.sval for part in elem.opclass) if elem.opclass else None
        descending = elem.ordering == pglast.enums.SortByDir.SORTBY_DESC
        if elem.name:
            keys.append(IndexKey(sql=elem.name, descending=descending, opclass=opclass))
        else:
            keys.append(IndexKey(sql=RawStream()(elem.expr), expression=True, descending=descending, opclass=opclass))
    include = tuple(elem.name for elem in stmt.indexIncludingParams or ())
    where = RawStream()(stmt.whereClause) if stmt.whereClause is not None else None
    return IndexCandidate(schema_name=schema, table=table, keys=tuple(keys), include=include, where=where,
                          method="hash" if method == "hash" else "btree")


def what_if_indexes(engine: Any, statements: list[str], indexes: list[str]) -> WhatIfReport:
    """Planner cost of each statement without and with all `indexes` (hypothetical), and which index each plan uses.
    Raises CapabilityMissing when the server cannot cost hypothetical indexes (hypopg not installed)."""
    from dbsage.tools.advisor.advisor import schema_map
    from dbsage.tools.guard import check

    if not statements or not indexes:
        raise UsageError("give at least one statement and one index", "e.g. statements=['SELECT …'], "
                         "indexes=['orders (customer_id)']")
    if len(statements) > MAX_STATEMENTS or len(indexes) > MAX_INDEXES:
        raise UsageError(f"at most {MAX_STATEMENTS} statements and {MAX_INDEXES} indexes per call",
                         "split the question, or use advise_indexes to search the workload")
    schema_of = {table: schema for schema, tables in schema_map(engine.introspect()).items() for table in tables}
    report = WhatIfReport(statements=[], indexes=[])
    candidates: dict[IndexCandidate, HypotheticalIndex] = {}
    for text in indexes:
        entry = HypotheticalIndex(given=" ".join(text.split())[:200])
        try:
            candidate = parse_index(text, schema_of)
        except DbsageError as exc:
            entry.error = exc.message
        else:
            entry.create_sql = candidate.create_sql()
            if candidate in candidates:
                entry.error = "the same index as one given above"
            else:
                candidates[candidate] = entry
        report.indexes.append(entry)
    with engine.what_if() as backend:
        if not backend.hypothetical:
            raise CapabilityMissing("this server cannot cost hypothetical indexes", backend.fix)
        for candidate, entry in list(candidates.items()):
            entry.error = backend.unindexable(candidate)
            if entry.error:
                del candidates[candidate]
            else:
                entry.size_bytes = backend.index_size(candidate)
        chosen = frozenset(candidates)
        for number, sql in enumerate(statements, start=1):
            report.statements.append(_cost(backend, f"q{number}", sql, chosen, candidates, check, engine))
    if not chosen:
        report.notes.append("no index could be costed: see each index's error")
    return report


def _cost(backend: Any, statement_id: str, sql: str, chosen: frozenset[IndexCandidate],
          entries: dict[IndexCandidate, HypotheticalIndex], check: Any, engine: Any) -> StatementCost:
    statement = WorkloadStatement(id=statement_id, sql=sql, source="caller")
    line = StatementCost(id=statement_id, preview=statement.preview())
    try:
        guarded = check(sql, engine.target.engine)
        if guarded.kind != "select":
            raise DbsageError(f"a {guarded.kind} statement has no plan to improve with an index")
        before = backend.register(statement_id, guarded, statement.parameter_count)
        after = backend.plan(statement_id, chosen)
    except GuardRefusal as refusal:
        line.error, line.refused = refusal.message, True
        return line
    except DbsageError as exc:
        line.error = exc.message
        return line
    by_name = {c.name: c for c in chosen}
    line.cost_before, line.cost_after = before.total, after.total
    line.change = (after.total - before.total) / before.total if before.total else 0.0
    line.uses_before, line.uses_after = sorted(before.uses), sorted(after.uses)
    for name in after.uses:
        if name in by_name:
            entries[by_name[name]].used_by.append(statement_id)
    return line
