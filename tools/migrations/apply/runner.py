"""Run an approved proposal's up on the live database with the write login: group by group (a transaction each;
CONCURRENTLY on its own outside one), retrying a group that gave up waiting for a lock a bounded number of times
with a doubling wait, stopping at the first failure, saving the record before each group and after it.

Callers: `dbsage proposals apply` only (through agent/proposals/apply.py). Never the agent, MCP or Slack.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import groupby
from typing import TYPE_CHECKING

from dbsage.tools.migrations.apply.inverse import down_for
from dbsage.tools.migrations.apply.model import ApplyRecord, ApplySettings, ApplyStep, InvalidIndex
from dbsage.tools.migrations.draft.model import Step, transaction_groups
from dbsage.tools.targets import Target

if TYPE_CHECKING:
    from dbsage.tools.engines.postgres.writer import WriteSession

Save = Callable[[ApplyRecord], None]


def plan(proposal_id: int, up: list[Step], by: str, write_target: Target, settings: ApplySettings) -> ApplyRecord:
    """The record before anything runs: every step `not run`, numbered, with its transaction group."""
    steps: list[ApplyStep] = []
    for number, group in enumerate(transaction_groups(up), 1):
        for step in group:
            steps.append(ApplyStep(index=len(steps) + 1, group=number, sql=step.sql,
                                   transactional=step.transactional))
    return ApplyRecord(proposal_id=proposal_id, by=by, write_target=write_target.display,
                       started_at=datetime.now(UTC), settings=settings, steps=steps)


def apply(record: ApplyRecord, write_target: Target, proposal_down: list[str], save: Save,
          sleep: Callable[[float], None] = time.sleep) -> ApplyRecord:
    """Run the record's steps; the record ends applied, failed or (re-raising the KeyboardInterrupt) interrupted."""
    write_target.require("postgres", "proposals apply")
    from dbsage.tools.engines.postgres.writer import WriteSession

    settings = record.settings
    with WriteSession(write_target, settings.lock_timeout, settings.statement_timeout) as session:
        before = session.invalid_indexes()
        try:
            for _, members in groupby(record.steps, key=lambda s: s.group):
                if not _run_group(session, list(members), record, save, sleep, before):
                    record.status = "failed"
                    break
            else:
                record.status = "applied"
        except KeyboardInterrupt:
            for step in record.steps:
                if step.status == "running":
                    step.status = "rolled back" if step.transactional else "interrupted"
                    step.error = "interrupted (Ctrl-C)" + (": its transaction was rolled back" if step.transactional
                                                           else "")
            record.status = "interrupted"
            _finish(record, session.invalid_indexes() - before, proposal_down, save)
            raise
        _finish(record, session.invalid_indexes() - before, proposal_down, save)
    return record


def _run_group(session: WriteSession, group: list[ApplyStep], record: ApplyRecord, save: Save,
               sleep: Callable[[float], None], invalid_before: set[str]) -> bool:
    from dbsage.tools.engines.postgres.writer import StepFailed

    settings = record.settings
    for attempt in range(settings.retries + 1):
        for step in group:
            step.status, step.attempts, step.error = "running", step.attempts + 1, None
        save(record)
        began = time.perf_counter()
        try:
            session.run_group([step.sql for step in group], group[0].transactional)
        except StepFailed as failure:
            _mark_failed(group, failure.position, failure.message)
            if not (failure.lock_timeout and attempt < settings.retries) or \
                    session.invalid_indexes() - invalid_before:  # a retry would trip over the invalid index
                save(record)
                return False
            wait = settings.backoff_s * 2 ** attempt
            group[failure.position].error = (f"{failure.message} (attempt {attempt + 1} of {settings.retries + 1}; "
                                             f"retrying in {wait:g} s)")
            save(record)
            sleep(wait)
            continue
        seconds = round(time.perf_counter() - began, 3)
        for step in group:
            step.status, step.seconds = "ran", seconds
        save(record)
        return True
    return False


def _mark_failed(group: list[ApplyStep], position: int, message: str) -> None:
    for n, step in enumerate(group):
        if n < position:
            step.status = "rolled back" if step.transactional else "ran"
        elif n == position:
            step.status, step.error = "failed", message
        else:
            step.status = "not run"


def _finish(record: ApplyRecord, invalid: set[str], proposal_down: list[str], save: Save) -> None:
    record.finished_at = datetime.now(UTC)
    record.invalid_indexes = [InvalidIndex(name=name, drop=f"DROP INDEX CONCURRENTLY IF EXISTS {name};")
                              for name in sorted(invalid)]
    ran = [step.sql for step in record.steps if step.status == "ran"]
    record.down_for_ran = down_for(ran, len(ran) == len(record.steps), proposal_down) if ran else []
    save(record)
