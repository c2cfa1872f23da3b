"""Existing indexes the workload does not need: duplicates, prefixes of another index, unused ones.

Never a drop candidate (the same rules as the checkup's, tools/checks/postgres_drop_safety.py): an index that
enforces a constraint (primary key, unique, exclusion) or is itself unique — dropping it would change what the
database accepts; a partitioned table's index or a partition's index attached to one — PostgreSQL refuses to drop
them that way; and the last index whose leading columns are a foreign key's columns — without it every delete on the
referenced table scans this one. Of identical indexes the constraint's is kept, then the one whose name says what it
indexes, then the shorter name, then the first name: never a choice that changes between runs. "Unused" is said only
when the usage counters have run `min_stats_age_days` (SchemaSnapshot.index_stats_days); before that, a note.
"""

from __future__ import annotations

import re

from dbsage.tools.advisor.candidate import IndexCandidate, quote_ident
from dbsage.tools.advisor.report import DropCandidate, DropKind
from dbsage.tools.schema import Index, SchemaSnapshot, Table

_USING = re.compile(r"\busing\s+(\w+)", re.I)


def _droppable(index: Index) -> bool:
    return (not (index.primary or index.unique or index.backs_constraint or index.partitioned or index.attached_to)
            and index.valid)


def _plain(column: str) -> str:
    return column.strip().strip('"').lower()


def _supports(index: Index, columns: list[str]) -> bool:
    """The index's leading key columns are exactly these (in any order): a foreign key's lookups need no scan."""
    keys = [_plain(c) for c in index.columns[: len(columns)]]
    return (index.valid and " where " not in (index.definition or "").lower() and len(keys) == len(columns)
            and set(keys) == {_plain(c) for c in columns})


def _fk_blocker(table: Table, index: Index, gone: set[str]) -> str | None:
    """The foreign key this index is the last support of, once the indexes in `gone` are dropped."""
    for fk in table.foreign_keys:
        if fk.columns and _supports(index, fk.columns) and not any(
                _supports(other, fk.columns) for other in table.indexes
                if other.name != index.name and other.name not in gone):
            return fk.name
    return None


def _keep_rank(index: Index, table: Table) -> tuple:
    """Of identical indexes, lowest first is kept: the constraint's, an attached or unique one, the conventional
    name (<table>_<columns>_idx), the shorter name, the first name."""
    conventional = index.name.lower() == f"{table.name}_{'_'.join(_plain(c) for c in index.columns)}_idx".lower()
    return (_droppable(index), not conventional, len(index.name), index.name)


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
        if theirs == mine and _is_plain_btree(index) and _keep_rank(other, table) < _keep_rank(index, table):
            why = ("it enforces a constraint or cannot be dropped" if not _droppable(other) else
                   "its name is conventional or shorter, or first in order")
            return _drop(table, index, "duplicate",
                         f"same keys as {other.name} ({', '.join(theirs)}); {other.name} is kept: {why}", other.name)
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
                    workload_tables: set[str], min_stats_age_days: float = 7.0,
                    notes: list[str] | None = None) -> list[DropCandidate]:
    """Indexes to drop, with why. `used_by_workload`: real index names any workload plan uses, before or after.

    Of two identical indexes only one is proposed: the survivor is never also called unused. `notes` receives why
    some 0-scan indexes were not called unused (statistics too young) and which were kept for a foreign key.
    """
    found: list[DropCandidate] = []
    days = schema.index_stats_days
    judge_unused = days is not None and days >= min_stats_age_days
    too_early: list[str] = []
    kept_for_fk: list[str] = []
    for table in sorted(schema.tables, key=lambda t: (t.schema_name, t.name)):
        verdicts = {i.name: _covered_by_existing(table, i) or _covered_by_recommendation(table, i, chosen)
                    for i in table.indexes if _droppable(i) and _is_plain_btree(i)}
        survivors = {v.kept for v in verdicts.values() if v is not None and v.kept}
        gone: set[str] = set()
        for index in sorted(table.indexes, key=lambda i: i.name):
            if index.name not in verdicts:
                continue
            verdict = verdicts[index.name]
            spared = used_by_workload | survivors
            if verdict is None and index.scans == 0 and index.name not in spared:
                if not judge_unused:
                    too_early.append(f"{_qualified(table)}.{index.name}")
                    continue
                seen = " and no workload statement's plan uses it" if _qualified(table) in workload_tables else ""
                verdict = _drop(table, index, "unused", f"0 scans in {days:.0f} days{seen}; statistics are per "
                                "server: check the replicas' counters too")
            if verdict is None:
                continue
            fk = _fk_blocker(table, index, gone)
            if fk is not None:
                kept_for_fk.append(f"{_qualified(table)}.{index.name} (foreign key {fk})")
                continue
            gone.add(index.name)
            found.append(verdict)
    if notes is not None and too_early:
        ran = "an unknown time" if days is None else f"{days:.1f} days" if days >= 1 else f"{days * 24:.1f} hours"
        notes.append(f"too early to tell whether {len(too_early)} index(es) with 0 scans are unused "
                     f"({', '.join(too_early[:5])}{' …' if len(too_early) > 5 else ''}): the usage counters have "
                     f"run {ran}, less than {min_stats_age_days:g} days; statistics are per server, so check the "
                     "replicas too")
    if notes is not None and kept_for_fk:
        notes.append("not proposed for dropping, each the only index for a foreign key: " + ", ".join(kept_for_fk))
    return found


def _qualified(table: Table) -> str:
    return f"{table.schema_name}.{table.name}"
