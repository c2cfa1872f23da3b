"""PostgreSQL rehearsal: copy the target's schema and a sample of its rows into a scratch database, then run the
migration's up, down and up again there, observing each statement (tools/migrations/rehearse is the entry point).

Map: `scratch` (which database may be written: never the target, never someone else's; the embedded one),
`schema_copy` (pg_dump --schema-only, or `catalog_ddl` when no pg_dump fits), `sample` (FK-consistent sampled rows,
PII-looking columns masked), `observe` (one pass: time, locks, rewrites per statement), `catalog` (the schema as a
set of lines, for the diff after down).

The target is only read, through the read-only engine (and pg_dump in a read-only session). Writes go to the
scratch only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from dbsage.tools.engines.limits import SessionLimits
from dbsage.tools.migrations.draft.model import Step
from dbsage.tools.migrations.rehearse.model import PassRun, RehearsalResult
from dbsage.tools.targets import Target


def run_rehearsal(target: Target, scratch: Target | None, up: list[Step], down: list[Step], *, sample_rows: int,
                  reuse: bool = False, schema_copy: str = "auto",
                  progress: Callable[[str], None] | None = None) -> RehearsalResult:
    """`scratch` None means dbsage's embedded PostgreSQL."""
    from dbsage.tools.engines.postgres.adapter import PostgresEngine
    from dbsage.tools.engines.postgres.rehearsal import sample
    from dbsage.tools.engines.postgres.rehearsal import scratch as scratches
    from dbsage.tools.engines.postgres.rehearsal.catalog import fingerprint
    from dbsage.tools.engines.postgres.rehearsal.schema_copy import copy_schema

    say = progress or (lambda _text: None)
    started = time.perf_counter()
    engine = PostgresEngine(target, SessionLimits(statement_timeout_ms=30_000))
    try:
        with engine.connection() as conn:
            target_identity = scratches.identity(conn)
            row = conn.execute("SELECT current_setting('server_version_num')::int, version()").fetchone()
            assert row is not None
            major, version = row[0] // 10000, row[1]
        if scratch is None:
            say("starting the embedded PostgreSQL for the scratch")
            scratch = Target(engine="postgres", dsn=scratches.embedded_scratch(), name="embedded", source="--scratch")
        with scratches.connect(scratch.dsn, "scratch database") as conn:
            scratches.refuse_target(scratches.identity(conn), target_identity)
            wiped = scratches.prepare(conn, reuse)
            say("copying the schema")
            copied = copy_schema(target.dsn, scratch.dsn, major, schema_copy)
            say(f"schema copied ({copied.method}); sampling rows")
            sampling = time.perf_counter()
            with engine.connection() as source:
                sampled = sample.load_sample(source, conn, sample_rows, say)
            sample.settle(conn, sampled)
            conn.execute("ANALYZE")
            sampled.seconds = round(time.perf_counter() - sampling, 3)
            before = fingerprint(conn)
            passes: list[PassRun] = []
            result = RehearsalResult(ok=False, target=target.display, scratch=scratch.display,
                                     server_version=version.split(" on ")[0], at=datetime.now(UTC), seconds=0.0,
                                     schema_copy=copied, sample=sampled, passes=passes)
            if wiped:
                result.notes.append("the scratch held an earlier rehearsal (or --scratch-reuse was given): it was "
                                    "wiped first")
            _three_passes(conn, scratch.dsn, up, down, before, result, say)
    finally:
        engine.close()
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _three_passes(conn: Any, scratch_dsn: str, up: list[Step], down: list[Step], before: set[str],
                  result: RehearsalResult, say: Callable[[str], None]) -> None:
    from dbsage.tools.engines.postgres.rehearsal import catalog
    from dbsage.tools.engines.postgres.rehearsal.observe import run_pass

    say("up")
    result.passes.append(run_pass(conn, scratch_dsn, up, "up"))
    if not result.passes[-1].ok:
        return
    say("down")
    result.passes.append(run_pass(conn, scratch_dsn, down, "down"))
    if not result.passes[-1].ok:
        return
    result.diff = catalog.difference(before, catalog.fingerprint(conn))
    result.down_restores = not result.diff
    say("up again")
    result.passes.append(run_pass(conn, scratch_dsn, up, "up again"))
    result.second_up_ok = result.passes[-1].ok
    result.ok = bool(result.down_restores and result.second_up_ok)
