"""The proposals store: SQLite under the user's state dir (tools/state.py), schema by numbered migrations.

The agent and the MCP server may only `create` (and read). `approve`, `reject`, `withdraw` and `export` are for
people: each is recorded in the audit with who, when and `via` (how they confirmed: terminal prompt, --yes, slack,
chat). Status moves pending → approved → applied, or to rejected or withdrawn; nothing is ever deleted.

`create` reviews every draft (review.py: destructive, irreversible, no down, locks) and refuses an identical change
for the same target that is already pending or decided (DuplicateProposal names it).

Approval API for other front ends (e.g. a Slack bot):
    store.approve(proposal_id, by="slack:U123 (alice)", via="slack") -> Proposal
raises InvalidTransition (status does not allow it, or `by` is an agent) or UsageError (no such id).
"""

from __future__ import annotations

import builtins
import hashlib
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dbsage.agent.proposals.model import (
    AGENT_ACTOR,
    BLOCKS_REFILING,
    TRANSITIONS,
    VIA_TERMINAL,
    AuditEntry,
    DuplicateProposal,
    InvalidTransition,
    Proposal,
    ProposalDraft,
    Status,
)
from dbsage.agent.proposals.review import ProposalReview, review_sql
from dbsage.agent.proposals.schema import migrate, migrate_shared
from dbsage.tools.errors import UsageError
from dbsage.tools.redact import redact, redact_url
from dbsage.tools.state import connect_state_db, current_user, state_db_dsn, state_dir
from dbsage.tools.visible import visible  # a reviewer must see exactly the SQL that gets exported


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def default_store_path() -> Path:
    """The store every front end opens: proposals.sqlite3 in the state dir (DBSAGE_STATE_DIR when set)."""
    return state_dir() / "proposals.sqlite3"


def store_origin() -> str:
    """Why that path: the environment variable, or the per-user default a process started elsewhere also uses."""
    import os

    return "DBSAGE_STATE_DIR" if os.environ.get("DBSAGE_STATE_DIR") else "the user's default state dir"


def store_location() -> tuple[str, str]:
    """Which queue a `ProposalStore()` opens, and why: the shared database ([state] dsn / DBSAGE_STATE_DB, shown
    without its password) or the SQLite file in the state dir. Opens nothing."""
    import os

    dsn = state_db_dsn()
    if dsn is not None:
        return redact_url(dsn), "DBSAGE_STATE_DB" if os.environ.get("DBSAGE_STATE_DB", "").strip() else "[state] dsn"
    return str(default_store_path()), store_origin()


class ProposalStore:
    """The queue: the SQLite file `path` (default: the state dir's), or — `dsn`, else [state] dsn / DBSAGE_STATE_DB
    — a PostgreSQL database a team shares (the same SQL runs on both: tools/engines/postgres/statedb.py)."""

    def __init__(self, path: Path | None = None, dsn: str | None = None) -> None:
        self.dsn = dsn if dsn is not None else None if path is not None else state_db_dsn()
        self.path: Path | None = None
        if self.dsn is not None:
            self.location = redact_url(self.dsn)
            db = connect_state_db(self.dsn)
            try:
                migrate_shared(db)
            finally:
                db.close()
            return
        self.path = path or default_store_path()
        self.location = str(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            migrate(db)
        finally:
            db.close()

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """One transaction on the store (commit on success, roll back on error): a connection with sqlite3's
        `execute` and `?` placeholders whichever database holds the store; rows read by column name."""
        db: Any
        if self.dsn is not None:
            db = connect_state_db(self.dsn)
        else:
            assert self.path is not None
            db = sqlite3.connect(self.path, timeout=10)
            db.row_factory = sqlite3.Row
        try:
            with db:
                yield db
        finally:
            db.close()

    _db = connect

    def create(self, draft: ProposalDraft, by: str | None = None) -> Proposal:
        """File a draft as a pending proposal with its review. The only call the agent and MCP may make.
        Raises DuplicateProposal when the same change for the same target is pending or decided already."""
        who = by or current_user()
        up_sql, down_sql, target = visible(draft.up_sql), visible(draft.down_sql), redact(draft.target)
        review = review_sql(draft.engine, up_sql, down_sql)
        fingerprint = _fingerprint(draft.engine, target, up_sql)
        marks = ",".join("?" * len(BLOCKS_REFILING))
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")  # the check and the insert as one step: two fast filers cannot both file
            same = db.execute(f"SELECT id FROM proposals WHERE fingerprint = ? AND status IN ({marks}) "
                              "ORDER BY id LIMIT 1", (fingerprint, *BLOCKS_REFILING)).fetchone()
            if same is None:  # proposals filed before fingerprints (schema 0003) are compared by their SQL
                same = next((row for row in db.execute(
                    f"SELECT id, up_sql FROM proposals WHERE fingerprint IS NULL AND engine = ? AND target = ? "
                    f"AND status IN ({marks}) ORDER BY id", (draft.engine, target, *BLOCKS_REFILING)).fetchall()
                    if _fingerprint(draft.engine, target, row["up_sql"]) == fingerprint), None)
            if same is None:
                cursor = db.execute(
                    "INSERT INTO proposals (title, engine, target, up_sql, down_sql, estimated_benefit, size_bytes,"
                    " rationale, created_at, created_by, kind, lint_verdict, migration_draft, review, fingerprint)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (visible(draft.title), draft.engine, target, up_sql, down_sql,
                     visible(draft.estimated_benefit or "") or None, draft.size_bytes,
                     visible(redact(draft.rationale)), _now(), who, draft.kind, draft.lint_verdict,
                     draft.migration_draft, review.model_dump_json(), fingerprint))
                proposal_id = int(cursor.fetchone()["id"])
                db.execute("INSERT INTO audit (proposal_id, at, who, action, note) VALUES (?, ?, ?, 'created', NULL)",
                           (proposal_id, _now(), who))
        if same is not None:
            raise DuplicateProposal(self.get(int(same["id"])))
        return self.get(proposal_id)

    def file_once(self, draft: ProposalDraft, by: str | None = None) -> tuple[Proposal, bool]:
        """`create`, but an identical pending/decided proposal is returned instead of an error: (proposal, new)."""
        try:
            return self.create(draft, by), True
        except DuplicateProposal as same:
            return same.existing, False

    def get(self, proposal_id: int) -> Proposal:
        found = self._select("id = ?", (proposal_id,))
        if not found:
            raise UsageError(f"no proposal #{proposal_id}", "run `dbsage proposals list` to see their ids")
        return found[0]

    def list(self, status: Status | None = None, target: str | None = None,
             kind: str | None = None) -> builtins.list[Proposal]:
        """Proposals, oldest first; `target` matches part of the stored (redacted) target, case-insensitively."""
        pattern = None if target is None else "%" + _like_escape(redact(target)) + "%"
        return self._select("(? IS NULL OR status = ?) AND (? IS NULL OR lower(target) LIKE lower(?) ESCAPE '\\') "
                            "AND (? IS NULL OR kind = ?)", (status, status, pattern, pattern, kind, kind))

    def _select(self, where: str, params: tuple[object, ...]) -> builtins.list[Proposal]:
        """Proposals matching `where` (our own SQL text; values bound), each with its audit trail, in one read."""
        with self._db() as db:
            rows = db.execute(f"SELECT * FROM proposals WHERE {where} ORDER BY id", params).fetchall()
            audit = db.execute("SELECT proposal_id, at, who, action, note, via FROM audit WHERE proposal_id IN "
                               f"(SELECT id FROM proposals WHERE {where}) ORDER BY rowid", params).fetchall()
        trails: dict[int, builtins.list[AuditEntry]] = {}
        for entry in audit:
            trails.setdefault(entry["proposal_id"], []).append(
                AuditEntry(at=entry["at"], who=entry["who"], action=entry["action"], note=entry["note"],
                           via=entry["via"]))
        return [_proposal(dict(row), trails.get(row["id"], [])) for row in rows]

    def _move(self, proposal_id: int, to: Status, who: str, note: str | None = None,
              via: str | None = None) -> Proposal:
        _refuse_agents(who, to)
        current = self.get(proposal_id).status
        if to not in TRANSITIONS[current]:
            verdict = f"is already {to}" if current == to else f"is {current}; it cannot become {to}"
            raise InvalidTransition(f"proposal #{proposal_id} {verdict}", _next_step(proposal_id, current))
        with self._db() as db:
            moved = db.execute("UPDATE proposals SET status = ? WHERE id = ? AND status = ?",
                               (to, proposal_id, current)).rowcount
            if moved:  # no audit entry for a step that did not happen
                db.execute("INSERT INTO audit (proposal_id, at, who, action, note, via) VALUES (?, ?, ?, ?, ?, ?)",
                           (proposal_id, _now(), who, to, note, via))
        if not moved:  # someone else decided between our read and our write
            now = self.get(proposal_id).status
            raise InvalidTransition(f"proposal #{proposal_id} became {now} while this ran; it was not {to}",
                                    f"look again (`dbsage proposals show {proposal_id}`), then decide")
        return self.get(proposal_id)

    def approve(self, proposal_id: int, by: str, via: str = VIA_TERMINAL, note: str | None = None) -> Proposal:
        """A person approves: `by` their name, `via` how they confirmed (terminal, --yes, slack, chat)."""
        return self._move(proposal_id, "approved", by, note, via)

    def reject(self, proposal_id: int, by: str, reason: str | None = None, via: str = VIA_TERMINAL) -> Proposal:
        return self._move(proposal_id, "rejected", by, reason, via)

    def withdraw(self, proposal_id: int, by: str, reason: str | None = None, via: str = VIA_TERMINAL) -> Proposal:
        """Take a pending or approved (not yet applied) proposal off the queue; it stays in the store and audit."""
        return self._move(proposal_id, "withdrawn", by, reason, via)

    def export(self, proposal_id: int, folder: Path, by: str | None = None,
               tool: str | None = None) -> builtins.list[Path]:
        """Write the approved proposal's up and down SQL as migration files — or, with `tool` (alembic, django, …),
        in that migration tool's layout (tools/migrations/render) — and return their paths."""
        _refuse_agents(by or current_user(), "exported")
        proposal = self.get(proposal_id)
        if proposal.status != "approved":
            raise InvalidTransition(f"proposal #{proposal_id} is {proposal.status}; only an approved one is exported",
                                    _next_step(proposal_id, proposal.status))
        if tool is not None:
            from dbsage.agent.proposals.export import export_for_tool

            written = export_for_tool(proposal, tool, folder)
        else:
            folder.mkdir(parents=True, exist_ok=True)
            stem = f"{proposal.created_at:%Y%m%d%H%M%S}_{proposal.id:04d}_{_slug(proposal.title)}"
            written = []
            for direction, sql in (("up", proposal.up_sql), ("down", proposal.down_sql)):
                path = folder / f"{stem}.{direction}.sql"
                header = f"-- dbsage proposal #{proposal.id} ({direction}): {proposal.title}\n"
                path.write_text(header + sql.rstrip() + "\n", encoding="utf-8")
                written.append(path)
        with self._db() as db:
            db.execute("INSERT INTO audit (proposal_id, at, who, action, note) VALUES (?, ?, ?, 'exported', ?)",
                       (proposal_id, _now(), by or current_user(), str(folder)))
        return written


def _proposal(row: dict[str, object], audit: builtins.list[AuditEntry]) -> Proposal:
    row.pop("fingerprint", None)
    review = row.pop("review", None)
    if isinstance(review, str):
        parsed = ProposalReview.model_validate_json(review)
    else:  # filed before reviews existed (schema 0003): judged now, so it is flagged in lists and cards too
        parsed = review_sql(str(row["engine"]), str(row["up_sql"]), str(row["down_sql"]))
        parsed.note = "; ".join(filter(None, ["reviewed when read: filed before proposals were reviewed",
                                              parsed.note]))
    return Proposal(**row, review=parsed, audit=audit)


def _fingerprint(engine: str, target: str, up_sql: str) -> str:
    """The same change for the same target: SQL compared without comments, case, spacing or trailing semicolons."""
    code = re.sub(r"--[^\n]*|/\*.*?\*/", " ", up_sql, flags=re.S)
    normal = " ".join(code.casefold().split()).rstrip("; ")
    return hashlib.sha256(f"{engine}\n{target}\n{normal}".encode()).hexdigest()


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _refuse_agents(who: str, action: str) -> None:
    """The agent, MCP and router file proposals as `dbsage <origin>`: they may create, never decide."""
    if AGENT_ACTOR.match(who):
        raise InvalidTransition(f"{who} may file proposals, not have them {action}",
                                "a person reviews it with `dbsage proposals show ID` and decides")


def _next_step(proposal_id: int, status: Status) -> str:
    """What a person can do with a proposal in `status`: the hint for a refused transition."""
    return {
        "pending": f"review it (`dbsage proposals show {proposal_id}`), then approve or reject it",
        "approved": f"export it: `dbsage proposals export {proposal_id} --to migrations/`",
        "rejected": "a rejected proposal is final: file a new one (e.g. `dbsage advise --propose`)",
        "applied": "it is applied; nothing is left to do",
        "withdrawn": "it was withdrawn; file it again if it is still wanted",
    }[status]


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:48] or "proposal"
