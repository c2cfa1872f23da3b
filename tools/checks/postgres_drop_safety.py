"""Which indexes the checkup may tell a person to drop — the one plan that `indexes.duplicate`, `indexes.redundant`
and `indexes.unused` share, so that following all their fixes never makes the schema worse.

Never dropped: an index that backs a primary key, unique or exclusion constraint, or is unique; a partitioned
table's index and a partition's index attached to one (PostgreSQL refuses DROP INDEX CONCURRENTLY on the first and
any DROP of the second); and the last index whose leading columns cover a foreign key's columns (without it every
delete or key update on the referenced table scans this one — `schema.fk_without_index` would fire).

The drops are decided in one pass, in a fixed order (duplicates, then prefixes, then unused), each judged against
what the earlier ones already removed: of two indexes that both support a foreign key, at most one goes, and an
index kept as "the one that does the work" is never also called unused. Of identical indexes the one kept is the
constraint's, then one attached to a partitioned index, then the unique one, then the one whose name says what it
indexes (`<table>_<columns>_idx`), then the shortest name, then the first by name — never the one with more scans,
which changes between runs and between servers.

"Unused" needs statistics old enough to have seen the whole workload (a monthly report, a weekly batch): the
counters start at the last reset, the server's start, or the database's creation (a restore), whichever is latest.
Below `Thresholds.min_stats_age_days` the checkup says "too early to tell" instead, and how long they have run.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from dbsage.tools.checks.model import Facts

Index = dict[str, Any]
DropKind = Literal["duplicate", "redundant", "unused"]


@dataclass
class Drop:
    index: Index
    kind: DropKind
    kept: Index | None = None  # the index that does its work (duplicate, redundant)
    why_kept: str | None = None  # why `kept` stays rather than this one (duplicate)


@dataclass
class DropPlan:
    drops: list[Drop] = field(default_factory=list)
    spared: dict[int, str] = field(default_factory=dict)  # index oid → why a drop rule left it alone

    def of_kind(self, kind: DropKind) -> list[Drop]:
        return [d for d in self.drops if d.kind == kind]


def protection(index: Index) -> str | None:
    """Why this index must never be dropped on its own, or None."""
    if index["backs_constraint"] or index["is_primary"]:
        return "it enforces a primary key, unique or exclusion constraint"
    if index["is_unique"]:
        return "it is unique: dropping it changes which rows the table accepts"
    if index.get("partitioned_index"):
        return "it is a partitioned table's index (dropping it drops every partition's index)"
    if index.get("parent_index_oid"):
        return "it is attached to a partitioned table's index and can only go with it"
    return None


def _foreign_keys_by_table(facts: Facts) -> dict[int, list[dict[str, Any]]]:
    by_table: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for fk in facts.get("foreign_keys", []):
        if fk.get("table_oid") is not None and fk.get("attnums"):
            by_table[fk["table_oid"]].append(fk)
    return by_table


def supports(index: Index, fk: dict[str, Any]) -> bool:
    """The index's leading key columns are exactly the foreign key's columns (in any order), as PostgreSQL needs to
    find the referencing rows without a scan."""
    columns = set(fk["attnums"])
    keys = list(index.get("key_attnums") or [])[: len(columns)]
    return (index["table_oid"] == fk["table_oid"] and index["is_valid"] and not index["predicate"]
            and len(keys) == len(columns) and set(keys) == columns)


def _keeper(group: list[Index]) -> tuple[Index, str]:
    """Of identical indexes, the one to keep and why (deterministic: no usage counter decides)."""
    def rank(i: Index) -> tuple:
        return (not (i["backs_constraint"] or i["is_primary"]), not i.get("parent_index_oid"), not i["is_unique"],
                not _conventional(i), len(i["name"]), i["name"])

    ordered = sorted(group, key=rank)
    keep, runner_up = ordered[0], ordered[1]
    for position, reason in enumerate((
            "it enforces a constraint", "it is attached to a partitioned table's index", "it is unique",
            "its name says what it indexes (<table>_<columns>_idx)", "its name is shorter")):
        if rank(keep)[position] != rank(runner_up)[position]:
            return keep, reason
    return keep, "the definitions are identical: the first name in order is kept"


def _conventional(index: Index) -> bool:
    words = "_".join(c.strip('"').lower() for c in index["columns"])
    return index["name"].lower() in (f"{index['table_name']}_{words}_idx".lower(), f"{index['table_name']}_{words}_key")


def _signature(i: Index) -> tuple:
    return (i["table_oid"], i["method"], i["indkey"], i["indclass"], i["indcollation"], i["expressions"],
            i["predicate"])


def _prefix_of(short: Index, long: Index) -> bool:
    if short["table_oid"] != long["table_oid"] or short["method"] != "btree" or long["method"] != "btree":
        return False
    if short["expressions"] or long["expressions"] or short["predicate"] or long["predicate"]:
        return False
    keys_s, keys_l = short["indkey"].split(), long["indkey"].split()[: long["key_count"]]
    cls_s, cls_l = short["indclass"].split(), long["indclass"].split()
    n = short["key_count"]
    return n < len(keys_l) and keys_s[:n] == keys_l[:n] and cls_s[:n] == cls_l[:n]


class _Planner:
    def __init__(self, facts: Facts) -> None:
        self.indexes = [i for i in facts.get("indexes", []) if i["is_valid"]]
        self.by_table: dict[int, list[Index]] = defaultdict(list)
        for index in self.indexes:
            self.by_table[index["table_oid"]].append(index)
        self.fks = _foreign_keys_by_table(facts)
        self.plan = DropPlan()
        self.gone: set[int] = set()
        self.survivors: set[int] = set()

    def blocker(self, index: Index) -> str | None:
        """Why dropping `index` now would hurt: it is protected, or the last support of a foreign key."""
        reason = protection(index)
        if reason:
            return reason
        for fk in self.fks.get(index["table_oid"], []):
            if supports(index, fk) and not any(
                    supports(other, fk) for other in self.by_table[index["table_oid"]]
                    if other is not index and other["oid"] not in self.gone):
                return f"it is the only index for foreign key {fk['name']} ({', '.join(fk['columns'])})"
        return None

    def drop(self, drop: Drop) -> bool:
        reason = self.blocker(drop.index)
        if reason:
            self.plan.spared.setdefault(drop.index["oid"], reason)
            return False
        self.plan.drops.append(drop)
        self.gone.add(drop.index["oid"])
        if drop.kept is not None:
            self.survivors.add(drop.kept["oid"])
        return True

    def duplicates(self) -> None:
        groups: dict[tuple, list[Index]] = defaultdict(list)
        for index in self.indexes:
            groups[_signature(index)].append(index)
        for key in sorted(groups, key=lambda k: sorted(i["name"] for i in groups[k])):
            group = groups[key]
            if len(group) < 2:
                continue
            keep, why = _keeper(group)
            for index in sorted(group, key=lambda i: i["name"]):
                if index is not keep:
                    self.drop(Drop(index, "duplicate", keep, why))

    def prefixes(self) -> None:
        for siblings in self.by_table.values():
            for short in sorted(siblings, key=lambda i: i["name"]):
                if short["oid"] in self.gone:
                    continue
                cover = next((long for long in sorted(siblings, key=lambda i: i["name"])
                              if long is not short and long["oid"] not in self.gone and _prefix_of(short, long)), None)
                if cover is not None:
                    self.drop(Drop(short, "redundant", cover))

    def unused(self, in_use: set[int]) -> None:
        for index in sorted(self.indexes, key=lambda i: (i["schema"], i["table_name"], i["name"])):
            if index["oid"] in self.gone or index["oid"] in self.survivors or index["oid"] not in in_use:
                continue
            self.drop(Drop(index, "unused"))


def unused_candidates(facts: Facts) -> set[int]:
    """Indexes with 0 scans on a table that was in use (writes, or more scans than its index builds made: each
    CREATE INDEX reads the table once — a table nobody touched since the reset says nothing about its indexes)."""
    builds: dict[int, int] = defaultdict(int)
    for i in facts.get("indexes", []):
        builds[i["table_oid"]] += 1
    return {i["oid"] for i in facts.get("indexes", [])
            if i["scans"] == 0 and i["is_valid"]
            and (i["table_writes"] or (i["table_reads"] or 0) > builds[i["table_oid"]])}


def drop_plan(facts: Facts) -> DropPlan:
    """The drop plan `indexes.duplicate`, `indexes.redundant` and `indexes.unused` share: each index judged once."""
    planner = _Planner(facts)
    planner.duplicates()
    planner.prefixes()
    planner.unused(unused_candidates(facts))
    return planner.plan


@dataclass
class StatsAge:
    since: dt.datetime | None
    days: float | None
    started_by: str  # "statistics reset", "server start", "database creation"


def stats_age(facts: Facts) -> StatsAge:
    """How long this database's usage counters have been counting."""
    current = next((d for d in facts.get("database", []) if d.get("current")), None)
    if current is None:
        return StatsAge(None, None, "unknown")
    starts = [(current.get("stats_reset"), "statistics reset"), (current.get("started"), "server start"),
              (current.get("created"), "database creation")]
    known = [(when, what) for when, what in starts if isinstance(when, dt.datetime)]
    if not known:
        return StatsAge(None, None, "unknown")
    since, what = max(known, key=lambda pair: pair[0])
    now = current.get("checked_at")
    now = now if isinstance(now, dt.datetime) else dt.datetime.now(dt.UTC)
    if since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    return StatsAge(since, max((now - since).total_seconds(), 0.0) / 86400, what)


def describe_age(days: float) -> str:
    if days >= 2:
        return f"{days:.0f} days"
    hours = days * 24
    return f"{hours:.1f} hours" if hours >= 1 else f"{hours * 60:.0f} minutes"
