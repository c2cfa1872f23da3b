"""Load a sample of the target's rows into the scratch: up to N rows per table, foreign keys kept consistent, and
the values of PII-looking text columns masked before they leave the target.

Rows are read with COPY (SELECT …) TO STDOUT on one read-only connection of the engine (its timeouts) and written
with COPY FROM STDIN. A child table's sample prefers rows whose foreign keys point at the parent's sampled rows;
after loading (triggers and foreign keys off for the load, `session_replication_role = replica`), rows whose
parent is missing are deleted until every foreign key holds. Sequences are moved past the sampled keys.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from graphlib import CycleError, TopologicalSorter
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from dbsage.tools.migrations.rehearse.model import SampleReport
from dbsage.tools.redact import redact

_PII = re.compile(r"e_?mail|phone|mobile|(first|last|full|middle|sur|user|display)_?name|^name$|address|street|"
                  r"city|zip|postcode|postal|ssn|social_security|birth|^dob$|passport|iban|card|password|passwd|"
                  r"secret|token|api_?key|ip_?addr", re.IGNORECASE)
_TEXT_TYPES = ("text", "character varying", "character", "citext", "varchar", "bpchar")

_TABLES = """
SELECT c.oid, c.oid::regclass::text AS name,
       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.n)
          FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
         WHERE i.indrelid = c.oid AND i.indisprimary) AS key
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
 ORDER BY c.oid
"""
_COLUMNS = """
SELECT a.attrelid AS oid, quote_ident(a.attname) AS name, a.attname AS raw, format_type(a.atttypid, NULL) AS type,
       CASE WHEN a.atttypmod > 4 AND a.atttypid IN (1042, 1043) THEN a.atttypmod - 4 END AS length
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
 ORDER BY a.attrelid, a.attnum
"""
_FOREIGN_KEYS = """
SELECT con.conrelid AS child, con.confrelid AS parent, con.conrelid::regclass::text AS child_name,
       con.confrelid::regclass::text AS parent_name,
       array(SELECT quote_ident(attname) FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute ON attrelid = con.conrelid AND attnum = k.n ORDER BY k.i) AS cols,
       array(SELECT quote_ident(attname) FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute ON attrelid = con.confrelid AND attnum = k.n ORDER BY k.i) AS refcols
  FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
 WHERE con.contype = 'f' AND c.relkind = 'r'
"""
_OWNED_SEQUENCES = """
SELECT d.objid::regclass::text AS seq, d.refobjid::regclass::text AS tbl, quote_ident(a.attname) AS col
  FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
  JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
 WHERE d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
"""


def is_pii(column: str, type_name: str) -> bool:
    return bool(_PII.search(column)) and type_name in _TEXT_TYPES


def masked(column: dict[str, Any]) -> str:
    """A stand-in value derived from the real one (md5: same value, same stand-in, so unique keys stay unique)."""
    name, length = column["name"], column["length"]
    if "mail" in column["raw"].lower():
        keep = 16 if length is None else max(1, min(16, length - 17))
        value = f"left(md5({name}::text), {keep}) || '@example.invalid'"
    else:
        value = f"left('x' || md5({name}::text), {length or 33})"
    return f"CASE WHEN {name} IS NULL THEN NULL ELSE {value} END"


def load_sample(target: psycopg.Connection[Any], scratch: psycopg.Connection[Any], rows: int,
                progress: Callable[[str], None] | None = None) -> SampleReport:
    """Copy up to `rows` rows of every table from the target's (read-only) connection into the scratch; `settle`
    then makes the sample consistent, without the target."""
    report = SampleReport(rows_per_table=rows)
    with target.cursor(row_factory=dict_row) as cur:
        tables = cur.execute(_TABLES).fetchall()
        columns: dict[int, list[dict[str, Any]]] = {}
        for col in cur.execute(_COLUMNS).fetchall():
            columns.setdefault(col["oid"], []).append(col)
        keys = cur.execute(_FOREIGN_KEYS).fetchall()
    if rows <= 0:
        return report
    by_oid = {t["oid"]: t for t in tables}
    order = _parents_first(tables, keys)
    _replica_mode(scratch, report)
    for oid in order:
        table = by_oid[oid]
        cols = columns.get(oid, [])
        if not cols:
            continue
        query = _select(table, cols, [k for k in keys if k["child"] == oid and k["parent"] in by_oid], by_oid, rows)
        report.masked += [f"{table['name']}.{c['raw']}" for c in cols if is_pii(c["raw"], c["type"])]
        copied = _copy(target, scratch, query, table["name"], cols, report)
        report.rows += copied
        report.tables += 1
        if progress is not None and report.tables % 200 == 0:
            progress(f"sampled {report.tables} tables")
    report.foreign_keys = keys
    return report


def settle(scratch: psycopg.Connection[Any], report: SampleReport) -> None:
    """After the copy (and after the target's read transaction has ended): drop orphans, move sequences on."""
    scratch.execute("RESET session_replication_role")
    report.dropped_orphans = _drop_orphans(scratch, report.foreign_keys)
    report.rows -= report.dropped_orphans
    _advance_sequences(scratch)


def _parents_first(tables: list[dict[str, Any]], keys: list[dict[str, Any]]) -> list[int]:
    graph: dict[int, set[int]] = {t["oid"]: set() for t in tables}
    for key in keys:
        if key["child"] in graph and key["parent"] in graph and key["child"] != key["parent"]:
            graph[key["child"]].add(key["parent"])
    try:
        return list(TopologicalSorter(graph).static_order())
    except CycleError:  # a cycle of foreign keys: any order; the orphan pass makes the sample consistent
        return list(graph)


def _select(table: dict[str, Any], cols: list[dict[str, Any]], parents: list[dict[str, Any]],
            by_oid: dict[int, dict[str, Any]], rows: int) -> str:
    select = ", ".join(masked(c) if is_pii(c["raw"], c["type"]) else c["name"] for c in cols)
    where = []
    for key in parents:
        if key["parent"] == key["child"]:
            continue
        parent = by_oid[key["parent"]]
        order = f" ORDER BY {parent['key']}" if parent["key"] else ""
        nulls = " OR ".join(f"{c} IS NULL" for c in key["cols"])
        where.append(f"(({', '.join(key['cols'])}) IN (SELECT {', '.join(key['refcols'])} FROM {parent['name']}"
                     f"{order} LIMIT {rows}) OR {nulls})")
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    order = f" ORDER BY {table['key']}" if table["key"] else ""
    return f"SELECT {select} FROM {table['name']}{clause}{order} LIMIT {int(rows)}"


def _copy(target: psycopg.Connection[Any], scratch: psycopg.Connection[Any], query: str, name: str,
          cols: list[dict[str, Any]], report: SampleReport) -> int:
    column_list = ", ".join(c["name"] for c in cols)
    try:
        with target.transaction(), scratch.transaction():
            sink_cursor = scratch.cursor()
            with target.cursor().copy(f"COPY ({query}) TO STDOUT".encode()) as source, \
                    sink_cursor.copy(f"COPY {name} ({column_list}) FROM STDIN".encode()) as sink:
                for block in source:
                    sink.write(block)
            return max(sink_cursor.rowcount, 0)  # the server's "COPY n"
    except psycopg.Error as exc:
        report.skipped.append(f"{name}: {redact(str(exc)).strip().splitlines()[0][:200]}")
        return 0


def _replica_mode(scratch: psycopg.Connection[Any], report: SampleReport) -> bool:
    """Load without firing triggers and foreign-key checks, for this session (a superuser, usually, on a scratch);
    `settle` turns it back off."""
    try:
        scratch.execute("SET session_replication_role = replica")
        return True
    except psycopg.Error:
        report.skipped.append("triggers and foreign keys stayed on while loading (the scratch login may not set "
                              "session_replication_role): rows whose parent was not loaded first were skipped")
        return False


def _drop_orphans(scratch: psycopg.Connection[Any], keys: list[dict[str, Any]]) -> int:
    """Delete sampled rows whose parent row is missing, until every foreign key holds (MATCH SIMPLE: a NULL in
    the key means no parent is needed). Each pass is one round trip: every key's DELETE in one script."""
    statements = []
    for key in keys:
        match = " AND ".join(f"p.{r} = c.{c}" for c, r in zip(key["cols"], key["refcols"], strict=True))
        present = " AND ".join(f"c.{c} IS NOT NULL" for c in key["cols"])
        statements.append(f"WITH gone AS (DELETE FROM {key['child_name']} c WHERE {present} AND NOT EXISTS "
                          f"(SELECT 1 FROM {key['parent_name']} p WHERE {match}) RETURNING 1) "
                          "SELECT count(*) FROM gone")
    dropped = 0
    for _ in range(20):
        removed = _counts(scratch, statements)
        dropped += removed
        if removed == 0:
            break
    return dropped


def _counts(scratch: psycopg.Connection[Any], statements: list[str], per_trip: int = 500) -> int:
    """Run statements that each return one count, many per round trip; a batch that fails is run again one by one
    so that one bad statement (e.g. a parent table left out) does not stop the others. Returns the counts' sum."""
    total = 0
    for first in range(0, len(statements), per_trip):
        batch = statements[first: first + per_trip]
        try:
            total += _sum_results(scratch, ";\n".join(batch))
        except psycopg.Error:
            for statement in batch:
                try:
                    total += _sum_results(scratch, statement)
                except psycopg.Error:
                    continue
    return total


def _sum_results(scratch: psycopg.Connection[Any], script: str) -> int:
    total = 0
    with scratch.transaction(), scratch.cursor() as cur:
        cur.execute(script.encode())
        while True:
            row = cur.fetchone() if cur.description else None
            total += int(row[0] or 0) if row and isinstance(row[0], int) else 0
            if not cur.nextset():
                return total


def _advance_sequences(scratch: psycopg.Connection[Any]) -> None:
    """Serial and identity sequences start past the largest sampled key: a step that inserts does not collide."""
    statements = [sql.SQL("SELECT setval({}::regclass, greatest(max({})::bigint, 1)) FROM {}").format(
        sql.Literal(seq), sql.SQL(col), sql.SQL(table)).as_string(scratch)
        for seq, table, col in scratch.execute(_OWNED_SEQUENCES).fetchall()]  # names come quoted from the catalog
    _counts(scratch, statements)  # a key whose type does not cast to bigint leaves its sequence where it is
