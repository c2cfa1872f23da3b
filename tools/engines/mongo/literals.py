"""Shell literals → BSON: the guard's parser (tools/guard/mongo_shell.py) keeps `ObjectId('…')`, `ISODate('…')`,
`/re/i` … as ShellValues because it imports no driver; here they become the bson types the server expects, and
Extended JSON wrappers (`{"$oid": …}`, `{"$date": …}`) written in a JSON command document become them too."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from bson import Decimal128, Int64, MaxKey, MinKey, ObjectId, Regex, Timestamp, json_util
from bson.errors import InvalidId

from dbsage.tools.errors import UsageError
from dbsage.tools.guard.mongo_shell import ShellValue

_EXTENDED = {"$oid", "$date", "$numberLong", "$numberInt", "$numberDecimal", "$numberDouble", "$regularExpression",
             "$timestamp", "$uuid", "$binary", "$minKey", "$maxKey"}


def to_bson(value: Any) -> Any:
    """`value` with every ShellValue and Extended JSON wrapper turned into its bson type (lists/dicts walked)."""
    if isinstance(value, ShellValue):
        return _convert(value)
    if isinstance(value, dict):
        if len(value) in (1, 2) and set(value) & _EXTENDED and all(k.startswith("$") for k in value):
            return json_util.loads(json_util.dumps(value))  # Extended JSON: the driver's own reader
        return {k: to_bson(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_bson(v) for v in value]
    return value


def _date(args: tuple[Any, ...]) -> dt.datetime:
    if not args:
        return dt.datetime.now(dt.UTC)
    if isinstance(args[0], int | float):
        return dt.datetime.fromtimestamp(args[0] / 1000, dt.UTC)
    text = str(args[0]).replace("Z", "+00:00")
    parsed = dt.datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _convert(value: ShellValue) -> Any:
    args = value.args
    try:
        match value.kind:
            case "ObjectId":
                return ObjectId(str(args[0])) if args else ObjectId()
            case "Date":
                return _date(args)
            case "Long":
                return Int64(int(args[0]) if args else 0)
            case "Int":
                return int(args[0]) if args else 0
            case "Double":
                return float(args[0]) if args else 0.0
            case "Decimal":
                return Decimal128(Decimal(str(args[0])) if args else Decimal(0))
            case "UUID":
                return uuid.UUID(str(args[0])) if args else uuid.uuid4()
            case "Timestamp":
                return Timestamp(int(args[0]), int(args[1]))
            case "MinKey":
                return MinKey()
            case "MaxKey":
                return MaxKey()
            case "RegExp":
                return Regex(str(args[0]), str(args[1]) if len(args) > 1 else "")
    except (IndexError, ValueError, TypeError, InvalidId) as exc:
        raise UsageError(f"{value} is not a valid {value.kind}: {exc}", "check the constructor's argument") from None
    raise UsageError(f"{value.kind}(…) is not supported in a query dbsage explains", "write the value another way")
