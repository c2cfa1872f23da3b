"""The proposals store's schema comes from numbered migrations: a new store gets all of them, a store made before
numbered migrations existed is brought forward without losing a proposal, and a store from a newer dbsage is
refused with what to do."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dbsage.agent.proposals import ProposalDraft, ProposalStore
from dbsage.agent.proposals.schema import migrate, migrations
from dbsage.tools.errors import DbsageError

# The schema the first release created with CREATE TABLE IF NOT EXISTS, before user_version was kept.
LEGACY = """
CREATE TABLE proposals (
  id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, engine TEXT NOT NULL, target TEXT NOT NULL,
  up_sql TEXT NOT NULL, down_sql TEXT NOT NULL, estimated_benefit TEXT, size_bytes INTEGER, rationale TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending', created_at TEXT NOT NULL, created_by TEXT NOT NULL);
CREATE TABLE audit (
  proposal_id INTEGER NOT NULL REFERENCES proposals(id), at TEXT NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,
  note TEXT);
INSERT INTO proposals VALUES (1, 'create index x', 'postgres', 'postgresql://h/db', 'CREATE INDEX x ON t (a)',
  'DROP INDEX x', NULL, NULL, 'why', 'pending', '2026-11-01T10:00:00+00:00', 'dbsage agent');
INSERT INTO audit VALUES (1, '2026-11-01T10:00:00+00:00', 'dbsage agent', 'created', NULL);
"""


def _version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("PRAGMA user_version").fetchone()[0])


def test_migrations_are_numbered_from_one_without_gaps() -> None:
    assert [m.version for m in migrations()] == list(range(1, len(migrations()) + 1))
    assert migrations()[0].name == "initial"


def test_a_new_store_records_every_migration(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    ProposalStore(path)
    assert _version(path) == len(migrations())
    with sqlite3.connect(path) as db:
        applied = [row[0] for row in db.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert applied == [m.version for m in migrations()]


def test_a_store_from_before_numbered_migrations_keeps_its_proposals(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(LEGACY)
    store = ProposalStore(path)
    assert _version(path) == len(migrations())
    old = store.get(1)
    assert (old.title, old.status, [e.action for e in old.audit]) == ("create index x", "pending", ["created"])
    new = store.create(ProposalDraft(title="drop index y", engine="postgres", target="t", up_sql="DROP INDEX y",
                                     down_sql="CREATE INDEX y ON t (b)", rationale="unused"), by="dbsage agent")
    assert new.id == 2


def test_opening_twice_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    ProposalStore(path)
    ProposalStore(path)
    with sqlite3.connect(path) as db:
        count = db.execute("SELECT count(*) FROM schema_migrations").fetchone()[0]
    assert count == len(migrations())


def test_a_store_from_a_newer_dbsage_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    ProposalStore(path)
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {len(migrations()) + 1}")
    db = sqlite3.connect(path, isolation_level=None)
    try:
        with pytest.raises(DbsageError, match="this dbsage knows up to") as caught:
            migrate(db)
    finally:
        db.close()
    assert "upgrade dbsage" in (caught.value.hint or "")
