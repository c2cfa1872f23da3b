"""How much of a result one MCP call returns: results sized for a client model's context.

Every tool call returns (a) as text, the compact summary the agent loop's model reads, and (b) as structured
content, the typed document — each at most `max_chars` characters (default DEFAULT_MAX_CHARS, never more than
HARD_CAP_CHARS). A document over the limit keeps its shape: its largest lists keep their first items and its longest
strings are clipped, until it fits; `result_cut` says what was cut, and the whole result pages by `result_handle`
with `fetch_result`. Output schemas are shallow (top-level fields with their JSON types): the full nested schemas
made up 78 % of the tool list.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

DEFAULT_MAX_CHARS = 8_000  # ≈ 2,000 tokens: what the agent loop lets one result add to its own model's context
HARD_CAP_CHARS = 60_000  # no call returns more, whatever max_chars asks for
MIN_MAX_CHARS = 500
_RESERVED = 800  # room kept for result_handle and result_cut themselves
_MIN_STRING = 80  # strings are clipped no shorter than this
_MAX_NOTES = 12


def max_chars_field() -> Any:
    return Field(default=DEFAULT_MAX_CHARS, ge=MIN_MAX_CHARS, le=HARD_CAP_CHARS,
                 description="most characters returned (text and structured content each); fetch_result pages "
                             "the rest")


def clip_text(text: str, limit: int, handle: str | None = None) -> str:
    """`text` within `limit` characters, with a note saying how much was cut and where the rest is."""
    if len(text) <= limit:
        return text
    rest = f"; fetch_result(handle='{handle}') pages the full result" if handle else ""
    keep = max(0, limit - 120)
    return f"{text[:keep]}\n[cut by dbsage: showed {keep} of {len(text)} characters{rest}]"


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, default=str))


def _cuttable(value: Any, in_list: bool) -> bool:
    # A list inside a list is a row: its items are columns, so it is never shortened (its strings may be clipped).
    return (isinstance(value, list) and len(value) > 1 and not in_list) or (
        isinstance(value, str) and len(value) > _MIN_STRING + 1)


def _candidates(node: Any, path: str, found: list[tuple[int, str, Any, Any]]) -> int:
    """Collect (size, path, parent, key) of every list that may be shortened and every long string; returns the
    node's size in JSON characters."""
    if isinstance(node, dict):
        total = 2
        for key, value in node.items():
            here = f"{path}.{key}" if path else str(key)
            size = _candidates(value, here, found)
            total += size + len(json.dumps(str(key), ensure_ascii=False)) + 4  # '"key": value, '
            if _cuttable(value, in_list=False):
                found.append((size, here, node, key))
        return total - 2 * bool(node)  # no separator after the last entry
    if isinstance(node, list):
        total = 2
        for index, value in enumerate(node):
            size = _candidates(value, f"{path}[]", found)
            total += size + 2
            if _cuttable(value, in_list=True):
                found.append((size, f"{path}[]", node, index))
        return total - 2 * bool(node)
    return _size(node)


def _shorten(items: list[Any], overflow: int) -> int:
    """How many of `items` to keep so that the list shrinks by at least `overflow` characters (at least one)."""
    removed, keep = 0, len(items)
    while keep > 1 and removed < overflow:
        keep -= 1
        removed += _size(items[keep]) + 2
    return keep


def fit_document(document: dict[str, Any], max_chars: int) -> tuple[dict[str, Any], list[str]]:
    """`document` cut to about `max_chars` characters of JSON, and what was cut, one note per place (list items
    kept of how many, strings clipped). The largest part is cut first, by as much as needed. The input is not
    changed."""
    budget = max(MIN_MAX_CHARS, max_chars - _RESERVED)
    if _size(document) <= budget:
        return document, []
    doc = copy.deepcopy(document)
    lists: dict[str, list[int]] = {}  # path → [kept, total]
    strings: dict[str, int] = {}  # path → how many strings were clipped there
    originals: dict[int, int] = {}  # id(list) → its length before the first cut
    for _ in range(2_000):
        found: list[tuple[int, str, Any, Any]] = []
        overflow = max(_candidates(doc, "", found), _size(doc)) - budget
        if overflow <= 0 or not found:
            break
        _size_of, path, parent, key = max(found, key=lambda item: item[0])
        value = parent[key]
        if isinstance(value, list):
            originals.setdefault(id(value), len(value))
            del value[_shorten(value, overflow):]
            lists[path] = [len(value), originals[id(value)]]
        else:
            clipped = value.endswith("…")
            parent[key] = value[:max(_MIN_STRING, len(value) - overflow - 1)] + "…"
            strings[path] = strings.get(path, 0) + (0 if clipped else 1)
    notes = [f"{path}: kept {kept} of {total} items" for path, (kept, total) in lists.items()]
    notes += [f"{path}: {count} long string(s) clipped" for path, count in strings.items() if count]
    if _size(doc) > budget:  # nothing left to cut (e.g. a map with thousands of keys): the handle is the way
        return {}, [f"the whole result ({_size(document)} characters) is over max_chars; page it with fetch_result"]
    return doc, notes[:_MAX_NOTES] + ([f"… {len(notes) - _MAX_NOTES} more cuts"] if len(notes) > _MAX_NOTES else [])


# -- shallow output schemas ----------------------------------------------------------------------------------------


def _coarse(prop: dict[str, Any]) -> dict[str, Any]:
    """A property's JSON type without its nested structure."""
    if "$ref" in prop or "allOf" in prop:
        return {"type": "object"}
    if "anyOf" in prop:
        types: list[str] = []
        for option in prop["anyOf"]:
            kind = _coarse(option).get("type", [])
            for t in kind if isinstance(kind, list) else [kind]:
                if t not in types:
                    types.append(t)
        return {"type": types[0] if len(types) == 1 else types} if types else {}
    coarse: dict[str, Any] = {}
    if "type" in prop:
        coarse["type"] = prop["type"]
    if "enum" in prop and len(prop["enum"]) <= 12:
        coarse["enum"] = prop["enum"]
    return coarse


def _no_titles(schema: dict[str, Any]) -> None:
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)


def shallow_model(model: type[BaseModel]) -> type[BaseModel]:
    """A model whose JSON schema lists `model`'s top-level fields with their JSON types and descriptions only, and
    which accepts any value for them (a cut document keeps its shape; nothing is required)."""
    schema = model.model_json_schema()
    fields: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        extra = _coarse(prop)
        description = prop.get("description")
        fields[name] = (Any, Field(default=None, description=description[:200] if description else None,
                                   json_schema_extra=extra))
    fields["result_handle"] = (str | None, Field(default=None, description="fetch_result(handle) pages the full "
                                                                           "result"))
    fields["result_cut"] = (list[str] | None, Field(default=None, description="what this call left out"))
    config = ConfigDict(extra="allow", json_schema_extra=_no_titles)
    name = re.sub(r"\W", "", model.__name__) + "Shallow"
    built: type[BaseModel] = create_model(name, __config__=config, **fields)
    return built
