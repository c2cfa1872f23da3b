"""How big the demo database is: `full` (default; ~10^5–10^6 rows in the big tables), `small` (tests), or a factor."""

from __future__ import annotations

import os

from pydantic import BaseModel

from dbsage.tools.errors import UsageError

# Rows at scale 1.0. categories and tags are reference data: their size does not scale.
FULL_ROWS: dict[str, int] = {
    "users": 100_000,
    "posts": 300_000,
    "products": 20_000,
    "orders": 500_000,
}
FIXED_ROWS: dict[str, int] = {"categories": 1_999, "tags": 1_000}
NAMED_SCALES: dict[str, float] = {"full": 1.0, "small": 0.05}
SCALE_ENV = "DBSAGE_DEMO_SCALE"


class DemoScale(BaseModel):
    """A scale factor and the row counts it gives; `settings` are what data.sql reads (dbsage_demo.<table>)."""

    name: str
    factor: float

    @property
    def settings(self) -> dict[str, int]:
        scaled = {table: max(1, round(rows * self.factor)) for table, rows in FULL_ROWS.items()}
        # The workload's literal ids (user 4242, order 1234, product 77) must exist at every scale.
        scaled["users"] = max(scaled["users"], 5_000)
        scaled["orders"] = max(scaled["orders"], 5_000)
        scaled["posts"] = max(scaled["posts"], 5_000)
        scaled["products"] = max(scaled["products"], 1_000)
        return {**FIXED_ROWS, **scaled}


def parse_scale(value: str | None) -> DemoScale:
    """`--scale` or $DBSAGE_DEMO_SCALE: a name (full, small) or a positive factor such as 0.2; default full."""
    raw = (value or os.environ.get(SCALE_ENV) or "full").strip().lower()
    if raw in NAMED_SCALES:
        return DemoScale(name=raw, factor=NAMED_SCALES[raw])
    try:
        factor = float(raw)
    except ValueError:
        factor = -1.0
    if not 0 < factor <= 10:
        raise UsageError(f"unknown demo scale {raw!r}",
                         f"use one of {', '.join(NAMED_SCALES)} or a factor between 0 and 10 (1 = full)")
    return DemoScale(name=f"{factor:g}", factor=factor)
