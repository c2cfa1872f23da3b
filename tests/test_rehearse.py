"""`dbsage migrate rehearse` on real PostgreSQL (the throwaway cluster; one test on the embedded PostgreSQL 18):
the demo schema copied (pg_dump and dbsage's own catalog DDL), drafts from `migrate draft` rehearsed up/down/up, a
wrong down caught with the catalog difference shown, an ACCESS EXCLUSIVE lock and a rewrite recorded, the scratch
refused when it is the target or holds someone's objects, and a proposal's rehearsal attached to it."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from test_draft_apply import PG_CASES, PG_SETUP, draft_live

from cli import run_dbsage
from dbsage.tools.errors import UsageError
from dbsage.tools.migrations.rehearse import RehearsalResult, rehearse, steps_from_script
from dbsage.tools.targets import resolve

MakeDb = Callable[..., str]


def scratch_db(make_pg_db: MakeDb) -> str:
    return make_pg_db("", extensions=())  # an empty database: what a user hands dbsage as its scratch


def run(target: str, scratch: str | None, up: str, down: str, **options: object) -> RehearsalResult:
    return rehearse(resolve(target), resolve(scratch) if scratch else None, steps_from_script(up),
                    steps_from_script(down), **options)  # type: ignore[arg-type]


def fingerprint(dsn: str) -> set[str]:
    from dbsage.tools.engines.postgres.rehearsal.catalog import fingerprint as of

    with psycopg.connect(dsn, autocommit=True) as conn:
        return of(conn)


# -- the demo schema ---------------------------------------------------------------------------------------------

DEMO_UP = """CREATE INDEX CONCURRENTLY orders_user_created_idx ON orders (user_id, created_at);
ALTER TABLE users ADD COLUMN nickname text;"""
DEMO_DOWN = """ALTER TABLE users DROP COLUMN nickname;
DROP INDEX CONCURRENTLY orders_user_created_idx;"""


@pytest.mark.parametrize("method", ["pg_dump", "catalog"])
def test_demo_schema_copied_sampled_and_rehearsed(method: str, pg_demo_dsn: str, make_pg_db: MakeDb) -> None:
    scratch = scratch_db(make_pg_db)
    result = run(pg_demo_dsn, scratch, DEMO_UP, DEMO_DOWN, sample_rows=500, schema_copy=method)
    assert result.ok, result.verdict
    assert result.schema_copy.method.startswith("pg_dump 15." if method == "pg_dump" else "catalog DDL")
    assert [p.name for p in result.passes] == ["up", "down", "up again"] and result.down_restores
    # The copy is the schema itself: every table, column, constraint, index, view, function of the demo.
    with psycopg.connect(scratch, autocommit=True) as conn:
        conn.execute("DROP INDEX orders_user_created_idx; ALTER TABLE users DROP COLUMN nickname")
    lost = {line for line in fingerprint(pg_demo_dsn) - fingerprint(scratch) if not line.startswith("extension")}
    assert lost == set()
    # Sampled rows: at most 500 a table, foreign keys hold, e-mails masked (and still unique).
    assert 0 < result.sample.rows <= 500 * result.sample.tables and "public.users.email" not in result.sample.masked
    assert "users.email" in result.sample.masked
    with psycopg.connect(scratch) as conn:
        emails = [row[0] for row in conn.execute("SELECT email FROM users")]
        assert emails and all(e.endswith("@example.invalid") for e in emails) and len(set(emails)) == len(emails)
        orphans = conn.execute("SELECT count(*) FROM order_items i WHERE NOT EXISTS "
                               "(SELECT 1 FROM orders o WHERE o.id = i.order_id)").fetchone()
        assert orphans == (0,)
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] > 0  # type: ignore[index]


def test_the_scratch_lacks_an_extension_the_target_has(pg_demo_dsn: str, make_pg_db: MakeDb) -> None:
    """The demo database has pg_stat_statements; the throwaway cluster has it too, so this checks the wording of a
    skipped extension on a scratch that lacks one by making the target use one the scratch has not got."""
    from dbsage.tools.engines.postgres.rehearsal.schema_copy import restorable

    script, skipped = restorable("CREATE EXTENSION IF NOT EXISTS hypopg WITH SCHEMA public;\n"
                                 "COMMENT ON EXTENSION hypopg IS 'x';\n\\restrict abc\nCREATE TABLE t (id int);\n",
                                 {"plpgsql"})
    assert script == "CREATE TABLE t (id int);\n" and skipped == ["extension hypopg: not available on the scratch "
                                                                   "server"]


# -- drafts from `migrate draft`, rehearsed ------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["add-index", "add-foreign-key", "set-not-null", "change-type-rewrite",
                                  "rename-column", "add-column-default-not-null", "add-index-partitioned",
                                  "backfill"])
def test_drafts_rehearse_clean(case: str, make_pg_db: MakeDb) -> None:
    target = make_pg_db(PG_SETUP)
    draft = draft_live(target, PG_CASES[case])
    result = rehearse(resolve(target), resolve(scratch_db(make_pg_db)), draft.up, draft.down, sample_rows=300)
    assert result.ok, f"{case}: {result.verdict}\n" + "\n".join(result.diff)
    up = result.passes[0]
    assert len(up.statements) == len(draft.up)
    # The drafts' safe patterns (a new column and a batched copy for a type change, …) rewrite no table.
    assert [s.rewrote for s in up.statements if s.rewrote] == []


# -- what a rehearsal catches ----------------------------------------------------------------------------------------

WRONG_DOWN_UP = """ALTER TABLE orders ADD COLUMN status text;
CREATE INDEX orders_reference_idx ON orders (reference);"""
WRONG_DOWN = "ALTER TABLE orders DROP COLUMN status;"


def test_a_wrong_down_is_caught_with_the_difference(make_pg_db: MakeDb) -> None:
    result = run(make_pg_db(PG_SETUP), scratch_db(make_pg_db), WRONG_DOWN_UP, WRONG_DOWN, sample_rows=100)
    assert not result.ok and result.down_restores is False
    assert result.diff == ["+ index CREATE INDEX orders_reference_idx ON public.orders USING btree (reference)"]
    assert "down does not restore the schema" in result.verdict
    assert result.second_up_ok is False  # the index left behind makes the second up fail, as it would in production
    assert "already exists" in (result.passes[2].error or "")


def test_access_exclusive_lock_and_rewrite_recorded(make_pg_db: MakeDb) -> None:
    up = "ALTER TABLE orders ALTER COLUMN amount TYPE bigint;"
    down = "ALTER TABLE orders ALTER COLUMN amount TYPE integer;"
    result = run(make_pg_db(PG_SETUP), scratch_db(make_pg_db), up, down, sample_rows=100)
    assert result.ok, result.verdict
    statement = result.passes[0].statements[0]
    assert ("orders", "ACCESS EXCLUSIVE") in {(lock.relation, lock.level) for lock in statement.locks}
    assert statement.rewrote == ["orders"] and statement.locks_observed == "held in its transaction"


def test_concurrently_runs_outside_a_transaction_and_its_lock_is_watched(make_pg_db: MakeDb) -> None:
    up = "CREATE INDEX CONCURRENTLY orders_code_idx ON orders (code);"
    down = "DROP INDEX CONCURRENTLY orders_code_idx;"
    # Enough rows that the build lasts many polling intervals, even on a busy machine.
    target = make_pg_db(PG_SETUP + "INSERT INTO orders (code) SELECT 'k' || g FROM generate_series(1, 60000) g;")
    result = run(target, scratch_db(make_pg_db), up, down, sample_rows=70000)
    assert result.ok, result.verdict
    statement = result.passes[0].statements[0]
    assert not statement.transactional and statement.locks_observed == "watched from a second session"
    assert ("orders", "SHARE UPDATE EXCLUSIVE") in {(lock.relation, lock.level) for lock in statement.locks}
    assert statement.rewrote == []


# -- which scratch may be written ------------------------------------------------------------------------------------

def test_scratch_that_is_the_target_is_refused_however_it_is_spelled(make_pg_db: MakeDb) -> None:
    target = make_pg_db(PG_SETUP)
    parts = urlsplit(target)
    respelled = parts._replace(netloc=f"postgres@localhost:{parts.port}").geturl()
    for scratch in (target, respelled):
        with pytest.raises(UsageError) as refused:
            run(target, scratch, WRONG_DOWN_UP, WRONG_DOWN)
        assert "the scratch is the target itself" in refused.value.message
    with psycopg.connect(target) as conn:  # untouched
        assert conn.execute("SELECT count(*) FROM orders").fetchone() == (2500,)


def test_a_scratch_holding_other_objects_is_refused_unless_reuse(make_pg_db: MakeDb) -> None:
    target = make_pg_db(PG_SETUP)
    scratch = make_pg_db("CREATE TABLE precious (id int); INSERT INTO precious VALUES (1);", extensions=())
    with pytest.raises(UsageError) as refused:
        run(target, scratch, WRONG_DOWN_UP, WRONG_DOWN)
    assert "not empty (1 relations" in refused.value.message and "--scratch-reuse" in (refused.value.hint or "")
    with psycopg.connect(scratch) as conn:
        assert conn.execute("SELECT count(*) FROM precious").fetchone() == (1,)
    up, down = "ALTER TABLE orders ADD COLUMN x int;", "ALTER TABLE orders DROP COLUMN x;"
    assert run(target, scratch, up, down, reuse=True, sample_rows=10).ok
    # Marked as dbsage's now: the next rehearsal wipes and reuses it without being told.
    second = run(target, scratch, up, down, sample_rows=10)
    assert second.ok and any("wiped first" in note for note in second.notes)
    with psycopg.connect(scratch) as conn:
        assert conn.execute("SELECT to_regclass('precious')").fetchone() == (None,)


# -- the CLI and proposals ------------------------------------------------------------------------------------------

def test_cli_rehearses_a_file_pair_and_exits_4_on_a_wrong_down(make_pg_db: MakeDb, tmp_path: Path) -> None:
    target, scratch = make_pg_db(PG_SETUP), scratch_db(make_pg_db)
    (tmp_path / "0001_status.up.sql").write_text(WRONG_DOWN_UP)
    (tmp_path / "0001_status.down.sql").write_text(WRONG_DOWN)
    done = run_dbsage("migrate", "rehearse", str(tmp_path / "0001_status.up.sql"), "--db", target, "--scratch",
                      scratch, "--sample-rows", "50", timeout=120)
    assert done.returncode == 4, done.stderr
    assert "schema: pg_dump 15." in done.stdout and "ACCESS EXCLUSIVE on orders" in done.stdout
    assert "+ index CREATE INDEX orders_reference_idx" in done.stdout
    assert "down does not restore the schema" in done.stdout
    same = run_dbsage("migrate", "rehearse", str(tmp_path / "0001_status.up.sql"), "--db", target, "--scratch",
                      target, "--format", "json", timeout=60)
    assert same.returncode == 2 and "the scratch is the target itself" in json.loads(same.stdout)["error"]


def test_cli_rehearses_a_proposal_and_attaches_the_result(make_pg_db: MakeDb) -> None:
    target, scratch = make_pg_db(PG_SETUP), scratch_db(make_pg_db)
    filed = run_dbsage("migrate", "draft", "add-index", "--table", "orders", "--column", "customer_id", "--db",
                       target, "--propose", "--format", "json")
    assert filed.returncode == 0, filed.stderr
    proposal = json.loads(filed.stdout)["proposal"]
    done = run_dbsage("migrate", "rehearse", str(proposal), "--db", target, "--scratch", scratch, "--format", "json",
                      timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads(done.stdout)
    assert document["rehearsal"]["ok"] and document["proposal"] == proposal
    shown = json.loads(run_dbsage("proposals", "show", str(proposal), "--format", "json").stdout)["proposal"]
    assert shown["rehearsal"]["down_restores"] is True
    assert shown["rehearsal"]["passes"][0]["statements"][0]["sql"].startswith("CREATE INDEX CONCURRENTLY")
    assert any(entry["action"] == "rehearsed" for entry in shown["audit"])
    table = run_dbsage("proposals", "show", str(proposal))
    assert "rehearsal: rehearsed: up, down and up again ran" in table.stdout


# -- the embedded PostgreSQL as the scratch ---------------------------------------------------------------------------

@pytest.mark.embedded
def test_embedded_scratch(make_pg_db: MakeDb, monkeypatch: pytest.MonkeyPatch) -> None:
    from dbsage.tools.embedded_postgres import EmbeddedPostgres

    root = Path(tempfile.mkdtemp(prefix="dbsage-rehearse-embedded-"))
    root.chmod(0o755)  # as root, the server's own account must reach its directory
    monkeypatch.setenv("DBSAGE_EMBEDDED_DIR", str(root / "pg"))
    try:
        up = "ALTER TABLE orders ADD COLUMN shipped boolean NOT NULL DEFAULT false;"
        result = run(make_pg_db(PG_SETUP), None, up, "ALTER TABLE orders DROP COLUMN shipped;", sample_rows=100)
        assert result.ok, result.verdict
        assert "dbsage_rehearsal" in result.scratch and result.sample.rows > 0
        assert "extension hypopg: not available on the scratch server" in result.schema_copy.skipped
    finally:
        EmbeddedPostgres(root / "pg").stop()
        shutil.rmtree(root, ignore_errors=True)
        os.environ.pop("DBSAGE_EMBEDDED_DIR", None)


RICH_SCHEMA = """
CREATE SCHEMA billing;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE SEQUENCE billing.invoice_no START 1000 INCREMENT 5;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();

  RETURN NEW;
END $$;
CREATE TABLE accounts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE,
  feeling mood DEFAULT 'ok',
  cents integer NOT NULL DEFAULT 0 CHECK (cents >= 0),
  dollars numeric GENERATED ALWAYS AS (cents / 100.0) STORED,
  updated_at timestamptz,
  code varchar(12) COLLATE "C"
);
COMMENT ON TABLE accounts IS 'who pays';
COMMENT ON COLUMN accounts.email IS 'login';
CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TABLE billing.invoices (
  no bigint NOT NULL DEFAULT nextval('billing.invoice_no'),
  account_id bigint NOT NULL REFERENCES accounts (id),
  issued date NOT NULL,
  total integer
) PARTITION BY RANGE (issued);
CREATE TABLE billing.invoices_2025 PARTITION OF billing.invoices FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE billing.invoices_2026 PARTITION OF billing.invoices FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX invoices_account_idx ON billing.invoices (account_id);
CREATE UNIQUE INDEX accounts_lower_email ON accounts (lower(email)) WHERE feeling <> 'sad';
CREATE VIEW rich AS SELECT id, email FROM accounts WHERE cents > 1000;
CREATE MATERIALIZED VIEW totals AS SELECT account_id, sum(total) AS total FROM billing.invoices GROUP BY 1;
INSERT INTO accounts (email, cents) SELECT 'a' || g || '@x.org', g FROM generate_series(1, 30) g;
INSERT INTO billing.invoices (account_id, issued, total) SELECT 1 + g % 30, date '2025-06-01' + g, g
  FROM generate_series(1, 300) g;
"""


@pytest.mark.parametrize("method", ["pg_dump", "catalog"])
def test_both_copies_reproduce_a_rich_schema(method: str, make_pg_db: MakeDb) -> None:
    """Enum, sequence, function with a blank line in its body, identity and generated columns, a collation,
    comments, a trigger, a partitioned table in another schema, expression and partial indexes, a view and a
    materialized view: the copy's catalog equals the target's, and rows land in both partitions."""
    target, scratch = make_pg_db(RICH_SCHEMA, extensions=()), scratch_db(make_pg_db)
    up, down = "ALTER TABLE accounts ADD COLUMN note text;", "ALTER TABLE accounts DROP COLUMN note;"
    result = run(target, scratch, up, down, sample_rows=100, schema_copy=method)
    assert result.ok, result.verdict
    assert fingerprint(scratch) - {"column accounts.note text"} == fingerprint(target)  # up ran last
    with psycopg.connect(scratch) as conn:
        assert conn.execute("SELECT count(*) FROM billing.invoices_2025").fetchone()[0] > 0  # type: ignore[index]
        assert conn.execute("SELECT count(*) FROM billing.invoices_2026").fetchone()[0] > 0  # type: ignore[index]
        # The identity moved past the sampled keys: a new row does not collide.
        conn.execute("INSERT INTO accounts (email) VALUES ('new@x.org')")
