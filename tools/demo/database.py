"""What `dbsage demo` set up: which server, and the demo database as found or built (typed, for JSON and tables)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, Field

ServerKind = Literal["configured", "default", "embedded"]


class DemoServer(BaseModel):
    """The PostgreSQL server the demo runs on. `display` is redacted; the DSN itself never leaves tools/."""

    kind: ServerKind = Field(description="configured: --db; default: DBSAGE_DB, PG* or libpq defaults; embedded")
    display: str
    source: str
    notes: list[str] = Field(default_factory=list, description="why this server was chosen, e.g. fallbacks")


class StepReport(BaseModel):
    name: str
    seconds: float
    rows: int | None = None


class DemoDatabase(BaseModel):
    name: str
    version: int
    scale: str
    reused: bool = Field(description="True when a finished demo database was found and kept")
    rows: dict[str, int] = Field(default_factory=dict, description="rows loaded per table")
    load_seconds: float | None = Field(default=None, description="time of the load that built it")
    extensions: list[str] = Field(default_factory=list)
    workload_runs: int = 0
    rebuilt_because: str | None = None


OnStep = Callable[[StepReport], None]  # progress callback: one call per finished load step
