"""Candidate indexes from table accesses: equality first, then range or sort; joins; covering; partial; expression.

Equality columns are ordered by how many workload statements test them, so one composite index can serve several
statements (its leading columns are the ones most statements share).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from dbsage.tools.advisor.access import TableAccess
from dbsage.tools.advisor.candidate import IndexCandidate, IndexKey, quote_ident
from dbsage.tools.advisor.facts import SMALL_FRACTION, CandidateContext, TableFacts, pattern_opclass
from dbsage.tools.schema import SchemaSnapshot

MAX_KEYS = 4
MAX_INCLUDE = 5
_WORD = re.compile(r"[a-z_][a-z0-9_$]*")


def key_frequency(accesses: Iterable[TableAccess]) -> Counter[tuple[str, str]]:
    """How many accesses test each (table, key) by equality or join: the shared leading columns."""
    counts: Counter[tuple[str, str]] = Counter()
    for access in accesses:
        for key in {k.sql for k in access.equality + access.joins}:
            counts[(access.table_key, key)] += 1
    return counts


def _keysets(access: TableAccess, frequency: Counter[tuple[str, str]]) -> list[tuple[IndexKey, ...]]:
    eq = sorted(access.equality, key=lambda k: -frequency[(access.table_key, k.sql)])[:3]
    joins, ranges = access.joins[:3], access.ranges[:2]
    sets: list[list[IndexKey]] = [[k] for k in eq + joins + ranges]
    if len(eq) > 1:
        sets.append(eq)
    sets += [eq + [r] for r in ranges if eq]
    sets += [eq + [j] for j in joins if eq] + [[j, *eq] for j in joins if eq]
    for sort in (access.order, access.group):
        if sort:
            rest = [k for k in sort if all(k.sql != e.sql for e in eq)]
            sets += [sort, eq + rest] if eq and rest else [sort]
    if access.group and ranges:
        sets.append([*access.group, ranges[0]])
    unique: list[tuple[IndexKey, ...]] = []
    for keys in sets:
        trimmed = tuple(_dedupe(keys))[:MAX_KEYS]
        if trimmed and trimmed not in unique:
            unique.append(trimmed)
    return unique


def _dedupe(keys: list[IndexKey]) -> list[IndexKey]:
    seen: set[str] = set()
    out = []
    for key in keys:
        if key.sql not in seen:
            seen.add(key.sql)
            out.append(key)
    return out


def for_access(access: TableAccess, frequency: Counter[tuple[str, str]],
               context: CandidateContext | None = None) -> list[IndexCandidate]:
    """Every candidate this access suggests: plain, covering (index-only scan) and partial variants; with a context,
    also pattern (`LIKE 'abc%'`), partial on a rare constant, and hash candidates."""
    context = context or CandidateContext()
    facts = context.facts.get(access.table_key)
    covering = facts is None or facts.index_only_scans_real
    base = {"schema_name": access.schema_name, "table": access.table}
    predicate = " AND ".join(access.constants) or None
    found: list[IndexCandidate] = []
    keysets = _keysets(access, frequency)
    for keys in keysets:
        found.append(IndexCandidate(**base, keys=keys))
        key_columns = {k.sql for k in keys}
        include = tuple(c for c in access.columns if c not in key_columns)
        if covering and include and len(include) <= MAX_INCLUDE and all(not k.expression for k in keys):
            found.append(IndexCandidate(**base, keys=keys, include=include))
        if predicate and not key_columns & set(_WORD.findall(predicate)):
            found.append(IndexCandidate(**base, keys=keys, where=predicate))
    found += _pattern_candidates(access, frequency, context.types.get(access.table_key, {}), facts)
    found += _rare_value_candidates(access, keysets, facts)
    found += [IndexCandidate(**base, keys=(IndexKey(sql=k.sql),), method="hash")
              for k in access.equality + access.joins if context.hash_indexes and k.column
              and (access.table_key, k.sql) in context.pure_equality]
    return found


def _pattern_candidates(access: TableAccess, frequency: Counter[tuple[str, str]], types: dict[str, str],
                        facts: TableFacts | None) -> list[IndexCandidate]:
    """`col LIKE 'abc%'`: under a non-C collation only a pattern operator class serves it; under C the plain key
    does (and also serves ORDER BY and other comparisons). Without the column's collation, both are offered."""
    base = {"schema_name": access.schema_name, "table": access.table}
    eq = sorted(access.equality, key=lambda k: -frequency[(access.table_key, k.sql)])[:3]
    found: list[IndexCandidate] = []
    for key in access.prefix_like:
        opclass = pattern_opclass(types.get(key.sql)) if key.column else None
        c_collated = facts is not None and facts.collations_known and key.sql in facts.c_collated
        pattern = [key.model_copy(update={"opclass": opclass})] if opclass and not c_collated else []
        plain = [] if pattern and facts is not None and facts.collations_known else [key]
        variants = plain + pattern
        for variant in variants:
            found.append(IndexCandidate(**base, keys=(variant,)))
            rest = [e for e in eq if e.sql != key.sql]
            if rest:
                found.append(IndexCandidate(**base, keys=tuple([*rest, variant][:MAX_KEYS])))
    return found


def _rare_value_candidates(access: TableAccess, keysets: list[tuple[IndexKey, ...]], facts: TableFacts | None
                           ) -> list[IndexCandidate]:
    """`status = 'failed'` selecting a small share of the rows (pg_stats): a partial index holding only those rows,
    keyed on what else the statement filters or sorts on, is a fraction of the full index's size."""
    if facts is None:
        return []
    base = {"schema_name": access.schema_name, "table": access.table}
    found: list[IndexCandidate] = []
    for column, literal in access.literals:
        fraction = facts.rare_value_fraction(column, literal)
        if fraction is None or fraction > SMALL_FRACTION:
            continue
        predicate = f"{quote_ident(column)} = {literal}"
        rest = [keys for keys in keysets if all(k.sql != column for k in keys)][:4] or [(IndexKey(sql=column),)]
        found += [IndexCandidate(**base, keys=keys, where=predicate) for keys in rest]
    return found


def _pure_equality(accesses: Iterable[TableAccess]) -> set[tuple[str, str]]:
    """Columns the workload only compares by equality (never a range, sort, grouping or LIKE): a hash index fits."""
    equal: set[tuple[str, str]] = set()
    other: set[tuple[str, str]] = set()
    for access in accesses:
        equal |= {(access.table_key, k.sql) for k in access.equality + access.joins if k.column}
        other |= {(access.table_key, k.sql) for k in access.ranges + access.order + access.group
                  + access.prefix_like}
    return equal - other


_CAST = re.compile(r"::[a-z_ ]+(\[\])?(\([0-9, ]*\))?")
_USING = re.compile(r"\busing (\w+) \(")
_WHERE = re.compile(r"\swhere\s(.*)$", re.S)


def normalized(sql: str) -> str:
    """Comparable spelling of a key or predicate: the server's (`(status = 'new'::text)`) equals ours."""
    text = _CAST.sub("", sql.lower())
    return re.sub(r"[\s()\"]+", "", text)


def _existing_keys(definition: str, columns: list[str]) -> list[str]:
    """Key parts of an existing index with their operator class when it is a pattern one (LIKE 'abc%')."""
    keys = []
    for column in columns:
        spelled = normalized(column)
        pattern = re.search(rf"{re.escape(column.lower())}\s+(\w+_pattern_ops)", definition)
        keys.append(f"{spelled} {pattern[1]}" if pattern else spelled)
    return keys


def serving_index(candidate: IndexCandidate, schema: SchemaSnapshot) -> str | None:
    """The existing valid index that already leads with the candidate's key (same operator class, and no predicate
    or the same one), or None. Such a candidate could add nothing the existing index does not, so it is never
    recommended: not even with INCLUDE columns (`(a) INCLUDE (b)` beside a primary key `(a, b)`), nor as a hash
    index beside a B-tree. Key directions are not compared: a B-tree is read backwards as cheaply."""
    table = schema.find(candidate.table_key)
    if table is None:
        return None
    wanted = [normalized(k.sql) + (f" {k.opclass}" if k.opclass else "") for k in candidate.keys]
    own_predicate = normalized(candidate.where) if candidate.where else None
    for index in table.indexes:
        definition = (index.definition or "").lower()
        method = _USING.search(definition)
        if not index.valid or method is None or method[1] not in {"btree", candidate.method}:
            continue
        where = _WHERE.search(definition)
        if where is not None and normalized(where[1]) != own_predicate:
            continue  # a partial index serves only its own predicate
        if _existing_keys(definition, index.columns)[: len(wanted)] == wanted:
            return index.name
    return None


def already_served(candidate: IndexCandidate, schema: SchemaSnapshot) -> bool:
    """True when an existing index starts with the candidate's keys: the candidate could add nothing."""
    return serving_index(candidate, schema) is not None


def generate(accesses: dict[str, list[TableAccess]], schema: SchemaSnapshot,
             context: CandidateContext | None = None) -> dict[IndexCandidate, set[str]]:
    """Candidates for the whole workload, each with the ids of the statements that suggested it."""
    every = [a for group in accesses.values() for a in group]
    frequency = key_frequency(every)
    context = context or CandidateContext()
    if not context.types:
        context.types = {t.qualified_name: {c.name: c.type for c in t.columns} for t in schema.tables}
    context.pure_equality = _pure_equality(every) if context.hash_indexes else set()
    suggested: dict[IndexCandidate, set[str]] = {}
    for statement_id, group in accesses.items():
        for access in group:
            for candidate in for_access(access, frequency, context):
                if not already_served(candidate, schema):
                    suggested.setdefault(candidate, set()).add(statement_id)
    _note_unsettled(every, context)
    return suggested


def _note_unsettled(accesses: list[TableAccess], context: CandidateContext) -> None:
    for table_key in sorted({a.table_key for a in accesses}):
        facts = context.facts.get(table_key)
        if facts is not None and not facts.index_only_scans_real:
            note = (f"no covering (INCLUDE) index proposed on {table_key}: its visibility map is not set "
                    f"({facts.all_visible:,} of {facts.pages:,} pages all-visible), so an index-only scan would still "
                    f"read the table; VACUUM it (then CHECKPOINT) and advise again")
            if note not in context.notes:
                context.notes.append(note)


def leading_keys(accesses: Iterable[TableAccess]) -> dict[str, set[str]]:
    """Per table, every key a statement filters, joins, sorts or groups on: an index helps only if it leads with one."""
    keys: dict[str, set[str]] = {}
    for access in accesses:
        bucket = keys.setdefault(access.table_key, set())
        for key in access.equality + access.joins + access.ranges + access.order + access.group + access.prefix_like:
            bucket.add(key.sql)
    return keys
