"""The typed result of a guarded query: bounded rows, and a note saying when and why it was cut."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import time
import uuid
from typing import Any

from pydantic import BaseModel, Field

from dbsage.tools.redact import mask_secrets


class QueryResult(BaseModel):
    """Rows of one guarded statement. At most `max_rows` rows and about `max_bytes` bytes ever reach a front end."""

    engine: str
    kind: str = Field(description="what the guard classified the statement as: select, explain, show, …")
    columns: list[str] = Field(default_factory=list)
    rows: list[list[Any]] = Field(default_factory=list)
    row_count: int = 0
    truncated: bool = False
    truncated_reason: str | None = None
    elapsed_ms: float = 0.0
    executes_inner: bool = False


def jsonable(value: Any) -> Any:
    """A driver value as plain JSON data (text for what JSON has no type for), with recognisable secrets masked."""
    if isinstance(value, str):
        return mask_secrets(value)  # query texts and settings (primary_conninfo, …) may carry passwords
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, uuid.UUID | dt.timedelta):
        return str(value)
    return str(value)


def row_size(row: list[Any]) -> int:
    """Approximate bytes of a row as it will be printed: what the byte cap counts."""
    return len(json.dumps(row, default=str, ensure_ascii=False).encode())


class RowCollector:
    """Collects rows until the row cap or the byte cap is reached; says which one cut the result."""

    def __init__(self, max_rows: int, max_bytes: int) -> None:
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.rows: list[list[Any]] = []
        self.bytes = 0
        self.truncated_reason: str | None = None

    def add(self, raw: Any) -> bool:
        """Keep one row; False once a cap is reached (the caller stops fetching)."""
        if len(self.rows) >= self.max_rows:
            self.truncated_reason = f"more than {self.max_rows} rows: showing the first {self.max_rows}"
            return False
        row = [jsonable(v) for v in raw]
        size = row_size(row)
        if self.bytes + size > self.max_bytes:
            self.truncated_reason = (f"output reached the {self.max_bytes}-byte cap after {len(self.rows)} rows")
            return False
        self.rows.append(row)
        self.bytes += size
        return True

    def result(self, *, engine: str, kind: str, columns: list[str], started: float,
               executes_inner: bool = False) -> QueryResult:
        """The collected rows as a QueryResult; `started` is the time.monotonic() taken before the call began."""
        return QueryResult(
            engine=engine, kind=kind, executes_inner=executes_inner, columns=columns, rows=self.rows,
            row_count=len(self.rows), truncated=self.truncated_reason is not None,
            truncated_reason=self.truncated_reason, elapsed_ms=round((time.monotonic() - started) * 1000, 1),
        )
