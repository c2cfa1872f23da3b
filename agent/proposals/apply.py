"""`dbsage proposals apply`: an approved proposal onto the live database with the write login — for a person at the
CLI only (no agent tool, MCP tool or Slack action reaches this module).

`prepare` refuses what must not run (not approved, already applied, a partial apply not yet sorted out, a live lint
with new findings unless forced) and plans the steps; the CLI shows the plan and asks for confirmation; `run`
claims the proposal, applies and keeps the record (outcomes.py) true after every step and on Ctrl-C.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dbsage.agent.proposals.model import InvalidTransition, Proposal
from dbsage.agent.proposals.outcomes import finish_apply, save_apply, start_apply
from dbsage.agent.proposals.store import ProposalStore
from dbsage.tools.errors import DbsageError

if TYPE_CHECKING:
    from dbsage.tools.migrations.apply.model import ApplyRecord, ApplySettings
    from dbsage.tools.targets import Target


class StaleProposal(DbsageError):
    """The live lint finds what the verdict at filing did not: the proposal was approved for another database."""


@dataclass
class ApplyPlan:
    proposal: Proposal
    record: ApplyRecord
    write_target: Target
    down: list[str] = field(default_factory=list)
    live_lint: bool = False


def prepare(store: ProposalStore, proposal_id: int, write_db: str, db: str | None, settings: ApplySettings,
            by: str, force: bool = False) -> ApplyPlan:
    from dbsage.agent.proposals.steps import proposal_steps
    from dbsage.tools.migrations.apply import plan
    from dbsage.tools.migrations.apply.relint import new_findings
    from dbsage.tools.migrations.apply.write_target import read_target_for, write_target

    proposal = store.get(proposal_id)
    _refuse_status(proposal)
    _refuse_partial(proposal, force)
    target = write_target(write_db)
    up, down = proposal_steps(proposal)
    read = read_target_for(write_db, db)
    fresh = new_findings(proposal.up_sql, proposal.engine, _filed_verdict(proposal), read)
    if fresh and not force:
        raise StaleProposal(f"proposal #{proposal_id} is stale: linted against the live database now, it has "
                            f"finding(s) it did not have when it was filed: {'; '.join(fresh)}",
                            "look again (`dbsage lint`, `dbsage migrate rehearse`), file a fresh proposal, or pass "
                            "--force to apply it anyway")
    record = plan(proposal_id, up, by, target, settings)
    record.forced = bool(fresh)
    record.relint = fresh or [f"no new findings ({'live' if read is not None else 'without live facts: no --db'})"]
    return ApplyPlan(proposal=proposal, record=record, write_target=target, down=[s.sql for s in down],
                     live_lint=read is not None)


def _filed_verdict(proposal: Proposal) -> str | None:
    """What the linter said when the proposal was filed: the migration draft's verdict, else the review's findings
    (every proposal filed since schema 0003 has one)."""
    if proposal.lint_verdict:
        return proposal.lint_verdict
    if proposal.review is None or not proposal.review.linted:
        return None
    return json.dumps({"findings": [{"script": "up", "rule": f.rule, "severity": f.severity}
                                    for f in proposal.review.findings]})


def _refuse_status(proposal: Proposal) -> None:
    if proposal.status == "approved":
        return
    if proposal.status == "applied":
        raise InvalidTransition(f"proposal #{proposal.id} is already applied",
                                f"see what ran with `dbsage proposals show {proposal.id}`")
    hint = "a person approves it first: `dbsage proposals approve ID`" if proposal.status == "pending" else \
        "only an approved proposal is applied; file a new one"
    raise InvalidTransition(f"proposal #{proposal.id} is {proposal.status}; only an approved proposal is applied",
                            hint.replace("ID", str(proposal.id)))


def _refuse_partial(proposal: Proposal, force: bool) -> None:
    """An earlier apply that stopped after some steps ran: applying again would run those steps twice."""
    earlier = proposal.apply_outcome
    if earlier is None or force:
        return
    ran = [step.index for step in earlier.steps if step.status in ("ran", "running", "interrupted")]
    if ran:
        raise InvalidTransition(f"proposal #{proposal.id} was partly applied on {earlier.started_at:%Y-%m-%d %H:%M} "
                                f"UTC (steps {', '.join(map(str, ran))} ran or may have run)",
                                f"see `dbsage proposals show {proposal.id}`: run the recorded down (and drop any "
                                "invalid index it names), or finish by hand; --force applies every step again")


def run(store: ProposalStore, ready: ApplyPlan, by: str) -> ApplyRecord:
    """Apply the plan; the record is saved before the first statement, after every step and however it ends."""
    from dbsage.tools.migrations.apply import apply

    record, proposal_id = ready.record, ready.proposal.id
    start_apply(store, proposal_id, record.model_dump_json(), by,
                f"{len(record.steps)} steps with the write login {ready.write_target.display}")
    try:
        apply(record, ready.write_target, ready.down,
              lambda current: save_apply(store, proposal_id, current.model_dump_json()))
    except KeyboardInterrupt:
        finish_apply(store, proposal_id, record.model_dump_json(), by, False, _note(record))
        raise
    except DbsageError as error:  # e.g. the write login could not connect: nothing ran
        record.status, record.note = "failed", error.message
        finish_apply(store, proposal_id, record.model_dump_json(), by, False, _note(record))
        raise
    finish_apply(store, proposal_id, record.model_dump_json(), by, record.status == "applied", _note(record))
    return record


def _note(record: ApplyRecord) -> str:
    finished = f"{record.finished_at:%H:%M:%S}" if record.finished_at else "?"
    return f"{record.summary} (started {record.started_at:%Y-%m-%d %H:%M:%S}, ended {finished} UTC)"
