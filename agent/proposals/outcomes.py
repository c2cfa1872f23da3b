"""What happened to a proposal on its way to the database: its latest rehearsal (tools/migrations/rehearse) and
its apply record (tools/migrations/apply), kept as JSON beside it (migration 0004), each step in the audit trail.

The apply record is written before the first statement runs and again after every step, so that an apply cut short
(Ctrl-C, a lost terminal, a killed process) leaves a record that says what is known: steps done, the step that was
running, steps not started.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from dbsage.agent.proposals.model import InvalidTransition
from dbsage.agent.proposals.store import ProposalStore


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextmanager
def _db(store: ProposalStore) -> Iterator[Any]:
    with store.connect() as db:  # one transaction, on whichever database holds the store (SQLite or shared)
        yield db


def _audit(db: Any, proposal_id: int, who: str, action: str, note: str | None) -> None:
    db.execute("INSERT INTO audit (proposal_id, at, who, action, note) VALUES (?, ?, ?, ?, ?)",
               (proposal_id, _now(), who, action, note))


def attach_rehearsal(store: ProposalStore, proposal_id: int, result_json: str, verdict: str, by: str) -> None:
    store.get(proposal_id)  # an unknown id is a usage error, before anything is written
    with _db(store) as db:
        db.execute("UPDATE proposals SET rehearsal = ? WHERE id = ?", (result_json, proposal_id))
        _audit(db, proposal_id, by, "rehearsed", verdict)


def start_apply(store: ProposalStore, proposal_id: int, record_json: str, by: str, note: str) -> None:
    """Claim the proposal for this apply: it must still be approved (another apply may have finished meanwhile)."""
    with _db(store) as db:
        claimed = db.execute("UPDATE proposals SET apply_outcome = ? WHERE id = ? AND status = 'approved'",
                             (record_json, proposal_id)).rowcount
        if claimed:
            _audit(db, proposal_id, by, "apply started", note)
    if not claimed:
        status = store.get(proposal_id).status
        raise InvalidTransition(f"proposal #{proposal_id} is {status}; only an approved proposal is applied",
                                f"see `dbsage proposals show {proposal_id}`")


def save_apply(store: ProposalStore, proposal_id: int, record_json: str) -> None:
    with _db(store) as db:
        db.execute("UPDATE proposals SET apply_outcome = ? WHERE id = ?", (record_json, proposal_id))


def finish_apply(store: ProposalStore, proposal_id: int, record_json: str, by: str, applied: bool,
                 note: str) -> None:
    """The final record; `applied` moves the proposal to applied (from approved only), else the audit says why not."""
    with _db(store) as db:
        db.execute("UPDATE proposals SET apply_outcome = ? WHERE id = ?", (record_json, proposal_id))
        if applied:
            db.execute("UPDATE proposals SET status = 'applied' WHERE id = ? AND status = 'approved'", (proposal_id,))
        _audit(db, proposal_id, by, "applied" if applied else "apply failed", note)
