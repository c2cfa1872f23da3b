"""Existing indexes the workload does not need: duplicates, prefixes of another index, unused ones.

An index that enforces a constraint (primary key, unique, exclusion) or is itself unique is never a drop candidate:
dropping it would change what the database accepts, not only how fast it reads.
"""

from __future__ import annotations

import re

from dbsage.tools.advisor.candidate import IndexCandidate, quote_ident
from dbsage.tools.advisor.report import DropCandidate, DropKind
from dbsage.tools.schema import Index, SchemaSnapshot, Table

_USING = re.compile(r"\busing\s+(\w+)", re.I)


def _droppable(index: Index) -> bool:
    return not (index.primary or index.unique or index.backs_constraint) and index.valid


def _is_plain_btree(index: Index) -> bool:
    definition = (index.definition or "").lower()
    method = _USING.search(definition)
    return (method is None or method[1] == "btree") and " where " not in definition and " include " not in definition


def _keys(index: Index) -> list[str]:
    return [c.lower().strip() for c in index.columns]


def _candidate_keys(candidate: IndexCandidate) -> list[str]:
    return [k.sql.lower() for k in candidate.keys]


def _drop(table: Table, index: Index, kind: DropKind, reason: str, kept: str | None = None) -> DropCandidate:
    return DropCandidate(
        schema_name=table.schema_name, table=table.name, index_name=index.name, size_bytes=index.size_bytes,
        kind=kind,
        reason=reason, kept=kept,
        drop_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {quote_ident(table.schema_name)}.{quote_ident(index.name)};",
    )


def _covered_by_existing(table: Table, index: Index) -> DropCandidate | None:
    mine = _keys(index)
    for other in table.indexes:
        if other.name == index.name or not other.valid or not _is_plain_btree(other):
            continue
        theirs = _keys(other)
        if theirs == mine and (not _droppable(other) or other.name < index.name):
            return _drop(table, index, "duplicate", f"same keys as {other.name} ({', '.join(theirs)})", other.name)
        if len(theirs) > len(mine) and theirs[: len(mine)] == mine:
            return _drop(table, index, "redundant",
                         f"its keys ({', '.join(mine)}) lead {other.name} ({', '.join(theirs)}), which serves the same "
                         "lookups", other.name)
    return None


def _covered_by_recommendation(table: Table, index: Index, chosen: list[IndexCandidate]) -> DropCandidate | None:
    mine = _keys(index)
    for candidate in chosen:
        if candidate.table_key != f"{table.schema_name}.{table.name}" or candidate.where:
            continue
        theirs = _candidate_keys(candidate)
        if len(theirs) >= len(mine) and theirs[: len(mine)] == mine:
            return _drop(table, index, "made redundant",
                         f"the recommended {candidate.name} ({', '.join(theirs)}) leads with the same keys",
                         candidate.name)
    return None


def drop_candidates(schema: SchemaSnapshot, chosen: list[IndexCandidate], used_by_workload: set[str],
                    workload_tables: set[str]) -> list[DropCandidate]:
    """Indexes to drop, with why. `used_by_workload`: real index names any workload plan uses, before or after.

    Of two identical indexes only one is proposed: the survivor is never also called unused.
    """
    found: list[DropCandidate] = []
    for table in schema.tables:
        verdicts = {i.name: _covered_by_existing(table, i) or _covered_by_recommendation(table, i, chosen)
                    for i in table.indexes if _droppable(i) and _is_plain_btree(i)}
        survivors = {v.kept for v in verdicts.values() if v is not None and v.kept}
        for index in table.indexes:
            if index.name not in verdicts:
                continue
            verdict = verdicts[index.name]
            spared = used_by_workload | survivors
            if verdict is None and index.scans == 0 and index.name not in spared:
                seen = " and no workload statement's plan uses it" if _qualified(table) in workload_tables else ""
                verdict = _drop(table, index, "unused", f"0 scans since the statistics were last reset{seen}")
            if verdict is not None:
                found.append(verdict)
    return found


def _qualified(table: Table) -> str:
    return f"{table.schema_name}.{table.name}"
