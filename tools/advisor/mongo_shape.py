"""A MongoDB query's shape, and the index the ESR rule gives it.

The shape of a find/aggregate/count/distinct command is what stays the same when its values change: the collection,
the fields compared for equality, the sort, the ranges, the projection. It groups profiler entries (`top`), finds the
collections whose frequent queries lack an index (`check`), and is where index candidates come from (`advise`).

The ESR rule (MongoDB's own guidance for compound indexes): Equality fields first, then the Sort fields (in the sort's
order and directions), then Range fields. An index in that order reads only the matching keys, in the order the
query wants them, so no in-memory sort is needed. Pure functions over plain Python values (no driver).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

_EQUALITY_OPS = {"$eq", "$in"}
_RANGE_OPS = {"$gt", "$gte", "$lt", "$lte", "$ne", "$nin", "$exists", "$type", "$mod", "$size", "$all",
              "$elemMatch", "$not", "$bitsAllSet", "$bitsAnySet", "$bitsAllClear", "$bitsAnyClear"}


@dataclass
class RegexUse:
    field: str
    pattern: str
    flags: str = ""

    @property
    def anchored(self) -> bool:
        """A case-sensitive pattern starting with ^ (or \\A) has a fixed prefix the index can seek to."""
        return self.pattern.startswith(("^", "\\A")) and "i" not in self.flags

    @property
    def prefix(self) -> str:
        body = self.pattern.lstrip("^")
        out = ""
        for char in body:
            if char in ".*+?()[]{}|\\$":
                break
            out += char
        return out


@dataclass
class Lookup:
    source: str
    local_field: str | None
    foreign_field: str | None
    stage_index: int


@dataclass
class QueryShape:
    collection: str
    command: str
    equality: list[str] = field(default_factory=list)
    sort: list[tuple[str, int]] = field(default_factory=list)
    ranges: list[str] = field(default_factory=list)
    regexes: list[RegexUse] = field(default_factory=list)
    projection: list[str] | None = None  # inclusion projection's fields; None: whole documents
    excludes_id: bool = False
    constants: dict[str, Any] = field(default_factory=dict)  # field → condition that never varies (partial index)
    lookups: list[Lookup] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)  # operators the ESR reading does not model ($or, $expr …)
    key: str = ""  # the normalised command: one text per shape

    @property
    def filtered(self) -> list[str]:
        return list(dict.fromkeys(self.equality + self.ranges))

    def category(self, name: str) -> str | None:
        """E, S or R for a field of this query; None when the query does not use it."""
        if name in self.equality:
            return "E"
        if any(f == name for f, _d in self.sort):
            return "S"
        if name in self.ranges:
            return "R"
        return None


def _is_regex(value: Any) -> tuple[str, str] | None:
    kind = getattr(value, "kind", None)
    if kind == "RegExp":  # the shell parser's literal
        args = value.args
        return str(args[0]), str(args[1]) if len(args) > 1 else ""
    pattern = getattr(value, "pattern", None)  # bson.Regex / re.Pattern from the driver
    if isinstance(pattern, str | bytes):
        flags = getattr(value, "flags", "")
        if isinstance(flags, int):  # re / bson flag bits → the letters mongosh writes
            flags = "".join(letter for letter, bit in (("i", 2), ("m", 8), ("s", 16), ("x", 64)) if flags & bit)
        return (pattern.decode() if isinstance(pattern, bytes) else pattern), flags if isinstance(flags, str) else ""
    return None


def _read_filter(shape: QueryShape, query: Any) -> None:
    if not isinstance(query, dict):
        return
    for name, value in query.items():
        if name == "$and" and isinstance(value, list):
            for part in value:
                _read_filter(shape, part)
            continue
        if name.startswith("$"):
            if name != "$comment":
                shape.unsupported.append(name)
            continue
        _read_condition(shape, name, value)


def _read_condition(shape: QueryShape, name: str, value: Any) -> None:
    regex = _is_regex(value)
    if regex is not None:
        shape.regexes.append(RegexUse(name, *regex))
        shape.ranges.append(name)
        return
    if isinstance(value, dict) and value and all(str(k).startswith("$") for k in value):
        operators = set(value)
        if "$regex" in operators:
            inner = value["$regex"]
            found = _is_regex(inner)
            pattern, flags = found if found else (str(inner), str(value.get("$options", "")))
            shape.regexes.append(RegexUse(name, pattern, flags))
            shape.ranges.append(name)
            return
        if value == {"$exists": True}:
            shape.constants[name] = value
        if operators <= _EQUALITY_OPS:
            shape.equality.append(name)
            if "$eq" in value and isinstance(value["$eq"], bool | None):
                shape.constants[name] = value
        else:
            shape.ranges.append(name)
        return
    shape.equality.append(name)
    if isinstance(value, bool) or value is None:
        shape.constants[name] = value


def _sort_pairs(sort: Any) -> list[tuple[str, int]]:
    if not isinstance(sort, dict):
        return []
    pairs = []
    for name, direction in sort.items():
        if isinstance(direction, int | float) and not isinstance(direction, bool):
            pairs.append((str(name), -1 if direction < 0 else 1))
    return pairs


def _read_projection(shape: QueryShape, projection: Any) -> None:
    if not isinstance(projection, dict) or not projection:
        return
    included = [str(k) for k, v in projection.items() if v in (1, True) and k != "_id"]
    shape.excludes_id = projection.get("_id") in (0, False)
    if included:  # an exclusion projection still returns whole documents
        shape.projection = included


def normalise(value: Any) -> Any:
    """The command with every value replaced by "?" (keys and operators kept): the same text for the same shape."""
    if isinstance(value, dict):
        return {str(k): (v if k in ("sort", "projection", "$sort", "$project", "key") and isinstance(v, dict | str)
                         else normalise(v)) for k, v in value.items()}
    if isinstance(value, list):
        parts = [normalise(v) for v in value]
        if parts and all(p == "?" for p in parts):
            return ["?"]
        return parts
    return "?"


def shape_key(command: dict[str, Any]) -> str:
    name = next(iter(command), "")
    kept = {k: v for k, v in command.items() if k in (name, "filter", "query", "sort", "projection", "pipeline",
                                                      "key")}
    body = normalise({k: v for k, v in kept.items() if k != name})
    return json.dumps({name: command.get(name), **body}, sort_keys=False, default=str)


def query_shape(command: dict[str, Any]) -> QueryShape | None:
    """The shape of a find, aggregate, count or distinct command document; None for any other command."""
    name = next(iter(command), "")
    if name not in ("find", "aggregate", "count", "distinct") or not isinstance(command.get(name), str):
        return None
    shape = QueryShape(collection=command[name], command=name, key=shape_key(command))
    if name == "find":
        _read_filter(shape, command.get("filter"))
        shape.sort = _sort_pairs(command.get("sort"))
        _read_projection(shape, command.get("projection"))
    elif name in ("count", "distinct"):
        _read_filter(shape, command.get("query"))
    else:
        _read_pipeline(shape, command.get("pipeline"))
    return shape


def _read_pipeline(shape: QueryShape, pipeline: Any) -> None:
    """The leading $match stages filter through an index, a $sort right after them can use its order."""
    if not isinstance(pipeline, list):
        return
    leading = True
    for number, stage in enumerate(pipeline):
        if not isinstance(stage, dict) or not stage:
            continue
        op, spec = next(iter(stage.items()))
        if leading and op == "$match":
            _read_filter(shape, spec)
            continue
        if leading and op == "$sort":
            shape.sort = _sort_pairs(spec)
        leading = leading and op in ("$sort", "$limit")
        if op == "$lookup" and isinstance(spec, dict):
            shape.lookups.append(Lookup(str(spec.get("from")), spec.get("localField"), spec.get("foreignField"),
                                        number))


# -- ESR ---------------------------------------------------------------------------------------------------------


@dataclass
class EsrIndex:
    """An index by the ESR rule for one shape."""

    collection: str
    keys: list[tuple[str, int]]
    covering: bool = False
    partial: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    given_name: str | None = None  # the advisor names its candidates as its report does

    @property
    def name(self) -> str:
        if self.given_name:
            return self.given_name
        text = "_".join(f"{f}_{d}" for f, d in self.keys)  # mongod's default name: field_direction pairs
        return (text + ("_partial" if self.partial else ""))[:120]

    def spec_js(self) -> str:
        """The key document as mongosh writes it."""
        return "{" + ", ".join(f"{_js_key(f)}: {d}" for f, d in self.keys) + "}"

    def create_js(self) -> str:
        options = [f'name: "{self.name}"']
        if self.partial:
            options.append(f"partialFilterExpression: {_js_value(self.partial)}")
        return f"db.getCollection(\"{self.collection}\").createIndex({self.spec_js()}, {{{', '.join(options)}}})"

    def drop_js(self) -> str:
        return f"db.getCollection(\"{self.collection}\").dropIndex(\"{self.name}\")"


def _js_key(name: str) -> str:
    return name if name.replace("_", "a").isalnum() and not name[0].isdigit() else json.dumps(name)


def _js_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_js_key(str(k))}: {_js_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(value, default=str)


def esr_index(shape: QueryShape, max_keys: int = 6, cover: bool = True) -> EsrIndex | None:
    """The ESR index for `shape`: equality fields, then sort, then ranges; covering when the projection allows
    (few fields, `_id` excluded); partial when a filter part never varies (a boolean, null or $exists: true)."""
    unanchored = {r.field for r in shape.regexes if not r.anchored}
    if unanchored and not shape.equality and not shape.sort and set(shape.ranges) <= unanchored:
        return None  # only unanchored patterns: every key would be read anyway; anchoring is the fix, not an index
    partial = {f: c for f, c in shape.constants.items() if f in shape.equality + shape.ranges}
    keys: list[tuple[str, int]] = []
    for name in shape.equality:
        if name not in partial and all(name != k for k, _d in keys):
            keys.append((name, 1))
    for name, direction in shape.sort:
        if all(name != k for k, _d in keys):
            keys.append((name, direction))
    for name in shape.ranges:
        if name not in partial and all(name != k for k, _d in keys):
            keys.append((name, 1))
    if not keys:  # only constant parts: index them after all
        keys = [(f, 1) for f in partial]
        partial = {}
    if not keys:
        return None
    index = EsrIndex(collection=shape.collection, keys=keys[:max_keys], partial=partial or None)
    if partial:
        index.notes.append("partial: " + ", ".join(partial) + " never varies in this query, so only matching "
                           "documents are indexed")
    if cover and shape.projection and shape.command == "find":
        extra = [f for f in shape.projection if all(f != k for k, _d in index.keys)]
        if len(index.keys) + len(extra) <= max_keys and not partial:
            index.keys += [(f, 1) for f in extra]
            index.covering = True
            index.notes.append("covering: every projected field is in the index" + (
                "" if shape.excludes_id else "; add _id: 0 to the projection so no document is fetched"))
    if shape.regexes and not all(r.anchored for r in shape.regexes):
        index.notes.append("an unanchored or case-insensitive $regex still reads every key of its field")
    return index


def esr_problem(keys: list[tuple[str, int]], shape: QueryShape) -> str | None:
    """Why an index's field order breaks ESR for `shape`, or None. Only the prefix the query uses counts."""
    used: list[tuple[str, str]] = []
    for name, _direction in keys:
        category = shape.category(name)
        if category is None:
            break
        used.append((name, category))
    first: dict[str, str] = {}  # category → the first field of it in the index
    for name, category in used:
        if category == "E" and "R" in first:
            return f"equality field {name} comes after the range field {first['R']}: the scan reads every " \
                   f"{first['R']} key in the range and skips the non-matching {name} values"
        if category == "S" and "R" in first:
            return f"sort field {name} comes after the range field {first['R']}: the keys come out ordered by " \
                   f"{first['R']}, so the results are sorted in memory"
        if category == "E" and "S" in first:
            return f"equality field {name} comes after the sort field {first['S']}: the scan walks every " \
                   f"{first['S']} key and skips the non-matching {name} values"
        first.setdefault(category, name)
    return None


def provides_order(keys: list[tuple[str, int]], shape: QueryShape) -> bool:
    """The index returns documents in the shape's sort order: the sort fields follow the equality prefix, all in
    the same directions or all reversed."""
    if not shape.sort:
        return False
    position = 0
    while position < len(keys) and keys[position][0] in shape.equality:
        position += 1
    window = keys[position:position + len(shape.sort)]
    if [k for k, _d in window] != [f for f, _d in shape.sort]:
        return False
    same = all(d == s for (_k, d), (_f, s) in zip(window, shape.sort, strict=True))
    reverse = all(d == -s for (_k, d), (_f, s) in zip(window, shape.sort, strict=True))
    return same or reverse
