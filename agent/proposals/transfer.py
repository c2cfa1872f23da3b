"""Move a person's SQLite queue into the team's shared store (PostgreSQL): every proposal with its id, status,
review, rehearsal and apply records, and its whole audit trail, in one transaction. The shared store must be empty
(ids are kept, so that `dbsage proposals show 12` means the same proposal before and after); the file is left as
it was.
"""

from __future__ import annotations

from dbsage.agent.proposals.store import ProposalStore
from dbsage.tools.errors import DbsageError

_AUDIT_COLUMNS = ("proposal_id", "at", "who", "action", "note", "via")


def move_queue(source: ProposalStore, target: ProposalStore) -> tuple[int, int]:
    """Copy every proposal and audit entry of `source` into the empty `target`; returns (proposals, audit entries)."""
    with source.connect() as db:
        proposals = [dict(row) for row in db.execute("SELECT * FROM proposals ORDER BY id").fetchall()]
        audit = [dict(row) for row in db.execute(
            f"SELECT {', '.join(_AUDIT_COLUMNS)} FROM audit ORDER BY rowid").fetchall()]
    with target.connect() as db:
        db.execute("BEGIN IMMEDIATE")  # two people moving at once: the second finds the store no longer empty
        held = int(db.execute("SELECT count(*) AS n FROM proposals").fetchone()["n"])
        if held:
            raise DbsageError(f"the shared store already holds {held} proposal(s); nothing was moved",
                             "moving keeps ids, so it only fills an empty store: point --to at a new database, or "
                             "keep filing into the shared store as it is")
        for row in proposals:
            columns = list(row)
            db.execute(f"INSERT INTO proposals ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                       tuple(row[c] for c in columns))
        for entry in audit:
            db.execute(f"INSERT INTO audit ({', '.join(_AUDIT_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
                       tuple(entry[c] for c in _AUDIT_COLUMNS))
        if proposals:  # new proposals continue after the moved ids
            db.execute("SELECT setval(pg_get_serial_sequence('proposals', 'id'), ?)", (proposals[-1]["id"],))
    return len(proposals), len(audit)
