"""MongoDB queries as people write them — mongosh syntax or relaxed JSON — read into a command document, never run.

`parse_mongo_query(text)` takes either a command document (`{"find": "orders", "filter": {…}}`, in strict JSON or
relaxed JS object syntax: unquoted keys, single quotes, trailing commas, comments) or one shell call chain:

    db.orders.find({status: 'new'}, {total: 1}).sort({created: -1}).limit(10)
    db.orders.aggregate([{$match: {status: 'new'}}, {$group: {_id: '$customer_id', n: {$sum: 1}}}])
    db.getCollection('orders').countDocuments({status: 'new'})

and returns the command document the server would receive. The text is tokenised and read as literals: nothing is
evaluated, so `function`, `=>`, variables and any call that is not a known constructor are refused. Constructors
(`ObjectId('…')`, `ISODate('…')`, `new Date('…')`, `NumberLong(5)`, `NumberDecimal('1.5')`, `UUID('…')`,
`Timestamp(1, 2)`, `/^abc/i`) become `ShellValue`s: this package imports no driver, so the engine turns them into BSON.

Only reads are read: `find`, `findOne`, `aggregate`, `countDocuments`, `count`, `distinct`,
`estimatedDocumentCount` and `db.runCommand(...)` (whose document the command guard then judges). A write, an index
change or JavaScript (`insertOne`, `updateMany`, `deleteOne`, `createIndex`, `drop`, `mapReduce`, `forEach`, …) is a
GuardRefusal (exit code 3), like every other refusal of the guard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dbsage.tools.errors import GuardRefusal, UsageError

_HINT = "dbsage explains find, findOne, aggregate, countDocuments and distinct, written as in mongosh or as a " \
        "JSON command document"
_USAGE_HINT = "e.g. db.orders.find({status: 'new'}).sort({created: -1}).limit(10), or " \
              '{"find": "orders", "filter": {"status": "new"}}'
MAX_TEXT = 200_000
MAX_DEPTH = 100

# Constructors the shell offers for BSON types: name → the canonical kind the engine converts.
CONSTRUCTORS = {
    "ObjectId": "ObjectId", "ObjectID": "ObjectId", "ISODate": "Date", "Date": "Date", "NumberLong": "Long",
    "Long": "Long", "NumberInt": "Int", "Int32": "Int", "NumberDecimal": "Decimal", "Decimal128": "Decimal",
    "UUID": "UUID", "Timestamp": "Timestamp", "MinKey": "MinKey", "MaxKey": "MaxKey", "RegExp": "RegExp",
    "Double": "Double", "BinData": "BinData",
}

# Shell methods that change data, indexes or the server: each refused with its reason (reads are an allow-list).
WRITE_METHODS: dict[str, str] = {
    **{m: f"{m} writes documents" for m in (
        "insert", "insertOne", "insertMany", "update", "updateOne", "updateMany", "replaceOne", "save", "remove",
        "deleteOne", "deleteMany", "findOneAndUpdate", "findOneAndReplace", "findOneAndDelete", "findAndModify",
        "bulkWrite", "initializeOrderedBulkOp", "initializeUnorderedBulkOp")},
    **{m: f"{m} changes indexes" for m in (
        "createIndex", "createIndexes", "ensureIndex", "dropIndex", "dropIndexes", "hideIndex", "unhideIndex",
        "reIndex", "createSearchIndex", "dropSearchIndex", "updateSearchIndex")},
    **{m: f"{m} changes or removes the collection" for m in (
        "drop", "renameCollection", "convertToCapped", "compactStructuredEncryptionData")},
    "mapReduce": "mapReduce runs JavaScript and can write a collection",
    "watch": "watch opens a change stream that never ends",
    "forEach": "forEach runs JavaScript in the shell",
    "map": "map runs JavaScript in the shell",
    "dropDatabase": "dropDatabase removes the database",
    "createCollection": "createCollection writes the catalog",
    "createView": "createView writes the catalog",
    "createUser": "createUser changes users",
    "dropUser": "dropUser changes users",
    "setProfilingLevel": "setProfilingLevel changes the profiler",
    "eval": "eval runs JavaScript on the server",
    "shutdownServer": "shutdownServer stops the server",
    "killOp": "killOp ends other operations",
}

_CURSOR_OPTIONS = {"sort": "sort", "limit": "limit", "skip": "skip", "hint": "hint", "projection": "projection",
                   "collation": "collation", "comment": "comment", "maxTimeMS": "maxTimeMS", "batchSize": "batchSize",
                   "min": "min", "max": "max", "allowDiskUse": "allowDiskUse", "readConcern": "readConcern"}
_HARMLESS_TAILS = {"toArray", "pretty", "itcount", "hasNext", "next", "readPref"}


@dataclass(frozen=True)
class ShellValue:
    """A shell constructor kept as written (`kind` from CONSTRUCTORS, its literal arguments); the engine converts."""

    kind: str
    args: tuple[Any, ...] = ()

    def __str__(self) -> str:
        if self.kind == "RegExp":
            return f"/{self.args[0]}/{self.args[1] if len(self.args) > 1 else ''}"
        return f"{self.kind}({', '.join(repr(a) for a in self.args)})"


@dataclass(frozen=True)
class MongoQuery:
    """What `parse_mongo_query` read: the command document, and the explain verbosity when the text asked for one."""

    command: dict[str, Any]
    verbosity: str | None = None


# -- tokens ------------------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<space>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<number>-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|-?Infinity|NaN)
  | (?P<name>[A-Za-z_$][\w$]*)
  | (?P<arrow>=>)
  | (?P<punct>[{}\[\](),:.;])
""", re.X | re.S)
_REGEX = re.compile(r"/((?:[^/\\\n\[]|\\.|\[(?:[^\]\\\n]|\\.)*\])+)/([a-z]*)")


@dataclass
class _Token:
    kind: str
    text: str
    at: int


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position] == "/" and not text.startswith(("//", "/*"), position) and _regex_allowed(found):
            match = _REGEX.match(text, position)
            if match:
                found.append(_Token("regex", match.group(0), position))
                position = match.end()
                continue
        match = _TOKEN.match(text, position)
        if not match:
            raise UsageError(f"cannot read the query at character {position + 1}: {text[position:position + 20]!r}",
                             _USAGE_HINT)
        kind = match.lastgroup or ""
        if kind == "arrow":
            raise GuardRefusal("the query holds a JavaScript function (=>); dbsage reads literals only", _HINT)
        if kind != "space":
            found.append(_Token(kind, match.group(0), position))
        position = match.end()
    return found


def _regex_allowed(before: list[_Token]) -> bool:
    """A `/` starts a regular expression where a value may start (after `:`, `,`, `(`, `[` or at the start)."""
    return not before or before[-1].text in (":", ",", "(", "[")


# -- literals ----------------------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, text: str) -> None:
        if len(text) > MAX_TEXT:
            raise GuardRefusal(f"the query is {len(text):,} characters; dbsage reads at most {MAX_TEXT:,}",
                               "split it up")
        if "\x00" in text:
            raise GuardRefusal("the query contains a NUL byte", "remove it")
        self.tokens = _tokens(text)
        self.position = 0

    def peek(self, offset: int = 0) -> _Token | None:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self, text: str | None = None) -> _Token:
        token = self.peek()
        if token is None:
            raise UsageError(f"the query ends early{f' (expected {text!r})' if text else ''}", _USAGE_HINT)
        if text is not None and token.text != text:
            raise UsageError(f"expected {text!r} at character {token.at + 1}, found {token.text!r}", _USAGE_HINT)
        self.position += 1
        return token

    def at(self, text: str) -> bool:
        token = self.peek()
        return token is not None and token.text == text

    def value(self, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise GuardRefusal("the query nests too deeply for dbsage to read", "flatten it")
        token = self.take()
        if token.text == "{":
            return self._object(depth)
        if token.text == "[":
            return self._array(depth)
        if token.kind == "string":
            return _unquote(token.text)
        if token.kind == "number":
            return _number(token.text)
        if token.kind == "regex":
            match = _REGEX.fullmatch(token.text)
            assert match is not None
            return ShellValue("RegExp", (match[1].replace("\\/", "/"), match[2]))
        if token.kind == "name":
            return self._name(token, depth)
        raise UsageError(f"unexpected {token.text!r} at character {token.at + 1}", _USAGE_HINT)

    def _name(self, token: _Token, depth: int) -> Any:
        literal = {"true": True, "false": False, "null": None, "undefined": None}
        if token.text in literal:
            return literal[token.text]
        if token.text == "function":
            raise GuardRefusal("the query holds a JavaScript function; dbsage reads literals only", _HINT)
        if token.text == "new":
            token = self.take()
        if token.text in CONSTRUCTORS and self.at("("):
            self.take("(")
            args: list[Any] = []
            while not self.at(")"):
                args.append(self.value(depth + 1))
                if not self.at(")"):
                    self.take(",")
            self.take(")")
            return ShellValue(CONSTRUCTORS[token.text], tuple(args))
        if self.at("("):
            raise GuardRefusal(f"the query calls {token.text}(); dbsage evaluates nothing, only literals and the "
                               f"shell's type constructors ({', '.join(sorted(set(CONSTRUCTORS.values())))})", _HINT)
        raise UsageError(f"{token.text!r} at character {token.at + 1} is a name, not a value: dbsage does not "
                         "evaluate variables", "write the value itself")

    def _object(self, depth: int) -> dict[str, Any]:
        found: dict[str, Any] = {}
        while not self.at("}"):
            key = self.take()
            if key.kind == "string":
                name = _unquote(key.text)
            elif key.kind in ("name", "number"):
                name = key.text
                while self.at(".") and self.peek(1) is not None and self.peek(1).kind == "name":  # type: ignore[union-attr]
                    self.take(".")
                    name += "." + self.take().text  # a dotted path written without quotes: read it as meant
            else:
                raise UsageError(f"expected a field name at character {key.at + 1}, found {key.text!r}", _USAGE_HINT)
            self.take(":")
            found[name] = self.value(depth + 1)
            if not self.at("}"):
                self.take(",")
        self.take("}")
        return found

    def _array(self, depth: int) -> list[Any]:
        found: list[Any] = []
        while not self.at("]"):
            found.append(self.value(depth + 1))
            if not self.at("]"):
                self.take(",")
        self.take("]")
        return found


def _unquote(text: str) -> str:
    body = text[1:-1]
    escapes = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "0": "\0", "/": "/", "\\": "\\", "'": "'",
               '"': '"'}

    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if code.startswith("u"):
            return chr(int(code[1:], 16))
        return escapes.get(code, code)

    return re.sub(r"\\(u[0-9a-fA-F]{4}|.)", replace, body)


def _number(text: str) -> int | float:
    if text.lstrip("-") in ("Infinity", "NaN"):
        return float(text.replace("Infinity", "inf").replace("NaN", "nan"))
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return float(text)


def parse_literal(text: str) -> Any:
    """One JSON / JS object literal (relaxed: unquoted keys, single quotes, comments, shell constructors)."""
    reader = _Reader(text)
    value = reader.value()
    if reader.at(";"):
        reader.take(";")
    if reader.peek() is not None:
        token = reader.peek()
        assert token is not None
        raise UsageError(f"unexpected {token.text!r} after the value at character {token.at + 1}", _USAGE_HINT)
    return value


# -- shell call chains -------------------------------------------------------------------------------------------


def parse_mongo_query(text: str) -> MongoQuery:
    """The command document of a query written as a JSON command document or as a mongosh call chain.

    Raises GuardRefusal for anything that is not a read (exit 3), UsageError for text it cannot read (exit 2)."""
    stripped = text.strip()
    if not stripped:
        raise UsageError("no query given", _USAGE_HINT)
    if stripped.startswith("{"):
        command = parse_literal(stripped)
        verbosity = None
        if isinstance(command, dict) and next(iter(command), None) == "explain" and isinstance(
                command.get("explain"), dict):
            verbosity = command.get("verbosity") if isinstance(command.get("verbosity"), str) else None
            command = command["explain"]
        if not isinstance(command, dict):
            raise UsageError("a MongoDB command is a JSON object", _USAGE_HINT)
        return MongoQuery(command, verbosity)
    reader = _Reader(stripped)
    return _chain(reader)


def _collection(reader: _Reader) -> str:
    """`db.name`, `db['name']`, `db.getCollection('name')` → the collection's name."""
    head = reader.take()
    if head.text != "db":
        raise UsageError(f"a shell query starts with db. (found {head.text!r})", _USAGE_HINT)
    if reader.at("["):
        reader.take("[")
        name = reader.value()
        reader.take("]")
    else:
        reader.take(".")
        token = reader.take()
        if token.kind != "name":
            raise UsageError(f"expected a collection name after db., found {token.text!r}", _USAGE_HINT)
        if token.text in ("runCommand", "adminCommand"):
            reader.position -= 2  # back to ".runCommand(": the chain reads it as the method
            return ""
        if token.text == "getCollection":
            args = _arguments(reader)
            name = args[0] if args else None
        elif reader.at("("):  # db.someMethod(...): a database-level method
            raise GuardRefusal(WRITE_METHODS.get(token.text, f"db.{token.text}() is not a read dbsage knows"), _HINT)
        else:
            name = token.text
            # db.system.profile.find(): a collection name may hold dots; the method is the last name before "("
            while reader.at(".") and reader.peek(2) is not None and reader.peek(2).text != "(":  # type: ignore[union-attr]
                reader.take(".")
                name += "." + reader.take().text
    if not isinstance(name, str) or not name:
        raise UsageError("the collection name must be a string", _USAGE_HINT)
    return name


def _arguments(reader: _Reader) -> list[Any]:
    reader.take("(")
    args: list[Any] = []
    while not reader.at(")"):
        args.append(reader.value())
        if not reader.at(")"):
            reader.take(",")
    reader.take(")")
    return args


def _chain(reader: _Reader) -> MongoQuery:
    collection = _collection(reader)
    reader.take(".")
    method = reader.take().text
    if method in WRITE_METHODS:
        raise GuardRefusal(WRITE_METHODS[method], _HINT)
    args = _arguments(reader)
    if not collection:  # db.runCommand({...}): the command guard judges the document
        if len(args) != 1 or not isinstance(args[0], dict):
            raise UsageError(f"db.{method}() takes one command document", _USAGE_HINT)
        command: dict[str, Any] = args[0]
    else:
        command = _method_command(collection, method, args)
    verbosity = None
    while reader.at("."):
        reader.take(".")
        name = reader.take().text
        if name in WRITE_METHODS:  # before its arguments: they may be the JavaScript it would run
            raise GuardRefusal(WRITE_METHODS[name], _HINT)
        tail = _arguments(reader)
        if name == "explain":
            verbosity = str(tail[0]) if tail and isinstance(tail[0], str) else "queryPlanner"
        elif name in _CURSOR_OPTIONS and command.get("find") is not None:
            command[_CURSOR_OPTIONS[name]] = tail[0] if tail else True
        elif name == "count" and command.get("find") is not None:
            command = {"count": command["find"], "query": command.get("filter", {})}
        elif name not in _HARMLESS_TAILS:
            raise GuardRefusal(f".{name}() is not a read step dbsage knows", _HINT)
    if reader.at(";"):
        reader.take(";")
    if reader.peek() is not None:
        raise GuardRefusal("one query at a time: the text continues after the first statement", _HINT)
    return MongoQuery(command, verbosity)


def _method_command(collection: str, method: str, args: list[Any]) -> dict[str, Any]:
    def arg(position: int, default: Any) -> Any:
        return args[position] if len(args) > position and args[position] is not None else default

    if method in ("find", "findOne"):
        command: dict[str, Any] = {"find": collection, "filter": arg(0, {})}
        if arg(1, None) is not None:
            command["projection"] = args[1]
        options = arg(2, {})
        if isinstance(options, dict):
            command.update({k: v for k, v in options.items() if k in _CURSOR_OPTIONS})
        if method == "findOne":
            command["limit"] = 1
        return command
    if method == "aggregate":
        pipeline = arg(0, [])
        if not isinstance(pipeline, list):
            raise UsageError("aggregate takes a list of stages", "db.c.aggregate([{$match: {...}}, ...])")
        command = {"aggregate": collection, "pipeline": pipeline, "cursor": {}}
        options = arg(1, {})
        if isinstance(options, dict):
            command.update({k: v for k, v in options.items() if k in ("allowDiskUse", "hint", "collation",
                                                                      "comment", "maxTimeMS", "let")})
        return command
    if method in ("countDocuments", "count"):
        return {"count": collection, "query": arg(0, {})}
    if method == "estimatedDocumentCount":
        return {"count": collection}
    if method == "distinct":
        return {"distinct": collection, "key": arg(0, ""), "query": arg(1, {})}
    raise GuardRefusal(f"{method} is not a read dbsage knows", _HINT)


def split_shell(text: str) -> list[str]:
    """The statements of a .js file: split at `;` or at a line break outside brackets and strings, where the next
    line starts a new `db.` call. Comments go with the text they are in (the reader skips them)."""
    parts: list[str] = []
    depth, start, position, quote = 0, 0, 0, ""
    while position < len(text):
        char = text[position]
        if quote:
            if char == "\\":
                position += 1
            elif char == quote:
                quote = ""
        elif text.startswith("//", position):
            end = text.find("\n", position)
            position = len(text) if end < 0 else end
            continue
        elif text.startswith("/*", position):
            end = text.find("*/", position + 2)
            position = len(text) if end < 0 else end + 2
            continue
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0 and (char == ";" or (char == "\n" and text[position + 1:].lstrip().startswith("db."))):
            parts.append(text[start:position])
            start = position + 1
        position += 1
    parts.append(text[start:])
    return [p.strip() for p in parts if _has_code(p)]


def _has_code(text: str) -> bool:
    stripped = re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.S)
    return bool(stripped.strip())
