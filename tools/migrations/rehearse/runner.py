"""`rehearse(...)`: the engine-neutral entry point. Checks the request, then hands it to the engine's rehearsal
(PostgreSQL only so far: tools/engines/postgres/rehearsal)."""

from __future__ import annotations

from collections.abc import Callable

from dbsage.tools.errors import UsageError
from dbsage.tools.migrations.draft.model import Step
from dbsage.tools.migrations.rehearse.model import RehearsalResult
from dbsage.tools.targets import Target

DEFAULT_SAMPLE_ROWS = 2000
SCHEMA_COPY_METHODS = ("auto", "pg_dump", "catalog")


def rehearse(target: Target, scratch: Target | None, up: list[Step], down: list[Step], *,
             sample_rows: int = DEFAULT_SAMPLE_ROWS, reuse: bool = False, schema_copy: str = "auto",
             progress: Callable[[str], None] | None = None) -> RehearsalResult:
    """Copy `target`'s schema and sampled rows into `scratch` (None: dbsage's embedded PostgreSQL) and run up,
    down, up there. Writes only to the scratch; refuses a scratch that is the target or holds someone's data."""
    target.require("postgres", "migrate rehearse")
    if scratch is not None:
        scratch.require("postgres", "migrate rehearse")
    if sample_rows < 0:
        raise UsageError("--sample-rows must be 0 or more", "e.g. --sample-rows 2000 (0: schema only)")
    if schema_copy not in SCHEMA_COPY_METHODS:
        raise UsageError(f"unknown schema copy method {schema_copy!r}", f"use {', '.join(SCHEMA_COPY_METHODS)}")
    if not up:
        raise UsageError("the migration has no up statement to rehearse", "check the file or proposal")
    from dbsage.tools.engines.postgres.rehearsal import run_rehearsal

    return run_rehearsal(target, scratch, up, down, sample_rows=sample_rows, reuse=reuse, schema_copy=schema_copy,
                         progress=progress)
