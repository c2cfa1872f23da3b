"""The catalog and diagnosis SQL of this engine, one file each in sql/ beside this module (shipped as package data).

Every module of the engine reads its statements here, so none imports the adapter just for its SQL.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def load(name: str) -> str:
    """The text of `sql/<name>.sql`."""
    return files("dbsage.tools.engines.postgres").joinpath("sql").joinpath(f"{name}.sql").read_text(encoding="utf-8")
