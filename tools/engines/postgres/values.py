"""Values as PostgreSQL writes them where Python's types cannot hold them, or would change them.

- `infinity` / `-infinity` dates and timestamps: psycopg refuses them (Python's datetime has no infinity), which
  failed the whole call. Loaded as PostgreSQL's own text instead — on every connection (`infinity_safe`), since
  the catalog holds them too (a role's VALID UNTIL 'infinity').
- In a guarded query's results (`as_postgres_writes`): intervals as PostgreSQL's text (`1 day 02:00:00`,
  `-3 mons +2 days`; Python's timedelta says `1 day, 2:00:00` and folds months into 30 days), and float
  `Infinity` / `-Infinity` / `NaN` as those words (JSON has no number for them: they came back as null).
"""

from __future__ import annotations

import math
from typing import Any

from psycopg.adapt import AdaptersMap, Loader
from psycopg.types.datetime import DateLoader, TimestampLoader, TimestamptzLoader
from psycopg.types.numeric import FloatLoader

_SPECIAL = {math.inf: "Infinity", -math.inf: "-Infinity"}


def _text(data: Any) -> str:
    return bytes(data).decode()


class _InfinityDateLoader(DateLoader):
    def load(self, data: Any) -> Any:
        text = _text(data)
        return text if text in ("infinity", "-infinity") else super().load(data)


class _InfinityTimestampLoader(TimestampLoader):
    def load(self, data: Any) -> Any:
        text = _text(data)
        return text if text in ("infinity", "-infinity") else super().load(data)


class _InfinityTimestamptzLoader(TimestamptzLoader):
    def load(self, data: Any) -> Any:
        text = _text(data)
        return text if text in ("infinity", "-infinity") else super().load(data)


class _WrittenFloatLoader(FloatLoader):
    def load(self, data: Any) -> Any:
        value = super().load(data)
        if math.isnan(value):
            return "NaN"
        return _SPECIAL.get(value, value)


class _TextLoader(Loader):
    def load(self, data: Any) -> str:
        return _text(data)


def infinity_safe(adapters: AdaptersMap) -> None:
    """Dates and timestamps that may be infinite load as text instead of failing (text protocol)."""
    adapters.register_loader("date", _InfinityDateLoader)
    adapters.register_loader("timestamp", _InfinityTimestampLoader)
    adapters.register_loader("timestamptz", _InfinityTimestamptzLoader)


def as_postgres_writes(adapters: AdaptersMap) -> None:
    """A guarded query's values: infinite dates/timestamps, intervals and special floats as PostgreSQL writes them."""
    infinity_safe(adapters)
    adapters.register_loader("interval", _TextLoader)
    adapters.register_loader("float4", _WrittenFloatLoader)
    adapters.register_loader("float8", _WrittenFloatLoader)
