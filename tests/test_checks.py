"""dbsage check against a real PostgreSQL: every problem is created for real (a second session holds locks and
transactions for the activity checks) and must give its exact finding; the healthy fixture must give none.

Checks that cannot be provoked on a throwaway cluster in seconds (transaction-ID wraparound, a cold cache, failing WAL
archiving, replica lag, memory against the machine) are tested on recorded fact rows at the end of this file."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
import pytest
from typer.testing import CliRunner

from dbsage.agent.cli.app import app
from dbsage.tools.checks import Thresholds, evaluate
from dbsage.tools.checks.postgres_scorecard import estimated_p95_ms
from dbsage.tools.engines import connect
from dbsage.tools.engines.postgres.checks import machine_facts
from dbsage.tools.targets import resolve

# Cluster-wide facts of the throwaway test cluster (tests/servers.py): fsync and full_page_writes off, no archiving,
# ssl off, trust in pg_hba.conf, dbsage logging in as postgres, default logging. True, so reported on every database.
CLUSTER_BASELINE = {
    "reliability.fsync_off", "reliability.full_page_writes_off", "reliability.no_wal_archiving", "security.ssl_off",
    "security.hba_trust_network", "security.hba_trust_local", "security.dbsage_superuser",
    "configuration.slow_query_logging_off",
}


def cluster_baseline() -> set[str]:
    """The baseline plus what this machine makes true: 128 MB shared_buffers is under 10% of a machine with more than
    1.28 GB of RAM; random_page_cost 4 is wrong when every disk here is solid-state."""
    expected = set(CLUSTER_BASELINE)
    machine = machine_facts()
    if machine["mem_bytes"] and machine["mem_bytes"] >= 2 * 1024**3:
        expected.add("configuration.memory_shared_buffers_small")
    if machine["rotational"] is False:
        expected.add("configuration.random_page_cost")
    return expected


DATABASE_FAMILIES = {"schema", "indexes", "maintenance", "activity", "performance"}

HEALTHY = """
CREATE TABLE customers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE,
  country text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers (id),
  status text NOT NULL,
  total numeric(12,2) NOT NULL,
  note text
);
CREATE INDEX orders_customer_id_status_idx ON orders (customer_id, status);
CREATE TABLE order_lines (
  order_id bigint NOT NULL REFERENCES orders (id),
  line_no int NOT NULL,
  quantity int NOT NULL,
  PRIMARY KEY (order_id, line_no)
);
INSERT INTO customers (email, country) SELECT 'c' || g || '@x', 'FR' FROM generate_series(1, 3000) g;
INSERT INTO orders (customer_id, status, total, note)
  SELECT 1 + g % 3000, 'paid', g % 100, CASE WHEN g % 3 = 0 THEN 'gift' END FROM generate_series(1, 20000) g;
INSERT INTO order_lines SELECT o, l, 1 FROM generate_series(1, 20000) o, generate_series(1, 2) l;
"""
HEALTHY_WORKLOAD = [
    "SELECT * FROM customers WHERE id = 42",
    "SELECT * FROM customers WHERE email = 'c7@x'",
    "SELECT * FROM orders WHERE customer_id = 7 AND status = 'paid'",
    "SELECT * FROM orders WHERE id = 1234",
    "SELECT * FROM order_lines WHERE order_id = 99",
]


def settle(dsn: str) -> None:
    """Wait until the sessions that touched this database have exited: a backend hands its table statistics over
    when it exits, which happens after the client has already closed the connection."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend'").fetchone()[0]:
            time.sleep(0.02)


def run(dsn: str, *statements: str, times: int = 1) -> None:
    settle(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(times):
            for sql in statements:
                conn.execute(sql)  # type: ignore[arg-type]
    settle(dsn)


def check(dsn: str, limits: Thresholds | None = None):
    engine = connect(resolve(dsn))
    try:
        return engine.checks(limits)
    finally:
        engine.close()


@pytest.fixture(scope="module")
def healthy(make_pg_db) -> str:
    dsn = make_pg_db(HEALTHY)
    run(dsn, "VACUUM ANALYZE")  # VACUUM cannot run in the setup script's implicit transaction
    run(dsn, *HEALTHY_WORKLOAD, times=5)
    return dsn


SENSITIVE = Thresholds(long_query_s=1, idle_in_transaction_s=1, blocked_s=1, temp_bytes=1024**2,
                       bloat_min_bytes=1024**2, min_seq_scans=20)


@pytest.mark.parametrize("limits", [Thresholds(), SENSITIVE], ids=["default thresholds", "sensitive thresholds"])
def test_healthy_database_has_no_database_finding(healthy: str, limits: Thresholds) -> None:
    report = check(healthy, limits)
    local = [(f.id, f.object, f.evidence) for f in report.findings if f.family in DATABASE_FAMILIES]
    assert local == []
    assert {f.id for f in report.findings} == cluster_baseline()
    assert report.skipped == []


def test_cluster_baseline_findings_are_true(healthy: str, pg_admin_dsn: str) -> None:
    with psycopg.connect(pg_admin_dsn) as conn:
        settings = dict(conn.execute("SELECT name, setting FROM pg_settings WHERE name IN ('fsync', "
                                     "'full_page_writes', 'archive_mode', 'ssl', 'log_min_duration_statement')"))
        methods = {r[0]: r[1] for r in conn.execute("SELECT type, auth_method FROM pg_hba_file_rules")}
    assert settings == {"fsync": "off", "full_page_writes": "off", "archive_mode": "off", "ssl": "off",
                        "log_min_duration_statement": "-1"}
    assert methods["local"] == "trust" and methods["host"] == "trust"


def test_healthy_scorecard(healthy: str) -> None:
    card = {item.key: item for item in check(healthy).scorecard}
    statuses = {k: v.status for k, v in card.items()}
    # Pooling is judged on the whole server's sessions: other tests' idle pool connections may be many (fail) or
    # few (unknown); either way no pooler is in sight, so never a pass, and the reason gives the counts.
    assert statuses.pop("pooling") in {"unknown", "fail"} and "no pooler" in card["pooling"].why
    assert statuses == {
        "pks": "pass", "fks": "pass", "p95": "pass", "index_coverage": "pass",
        "reversible_migrations": "unknown", "backups": "fail", "ssl": "fail", "monitoring": "pass",
    }
    assert card["pks"].why == "all 3 tables have one" and card["fks"].why == "all 2 foreign keys have an index"
    assert card["backups"].why == "fsync is off"


@dataclass
class Case:
    """A problem made for real in a fresh database: setup SQL, then statements run after it (another session)."""

    name: str
    setup: str
    expected: list[tuple[str, str]]  # (finding id, object) — exactly these among the database families
    after: list[str] = field(default_factory=list)
    evidence: dict[str, object] = field(default_factory=dict)  # on the first expected finding
    fix: str = ""
    limits: Thresholds = field(default_factory=Thresholds)
    analyze: bool = True  # ANALYZE after the setup, in its own transaction, as a real load would


CASES = [
    Case("table without primary key", "CREATE TABLE log (at timestamptz NOT NULL, what text NOT NULL);"
         "INSERT INTO log SELECT now(), 'x' FROM generate_series(1, 10);",
         [("schema.missing_primary_key", "public.log")], evidence={"rows": 10},
         fix="ALTER TABLE public.log ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;"),
    Case("no primary key but a unique not-null index", "CREATE TABLE t (code text NOT NULL, v int NOT NULL);"
         "CREATE UNIQUE INDEX t_code_key ON t (code);",
         [("schema.missing_primary_key", "public.t")],
         fix="ALTER TABLE public.t ADD PRIMARY KEY USING INDEX t_code_key;"),
    Case("join table without primary key",
         "CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int PRIMARY KEY);"
         "CREATE TABLE a_b (a_id int NOT NULL REFERENCES a, b_id int NOT NULL REFERENCES b);"
         "CREATE INDEX ON a_b (a_id); CREATE INDEX ON a_b (b_id); INSERT INTO a SELECT generate_series(1, 3000);"
         "INSERT INTO b SELECT generate_series(1, 3000); INSERT INTO a_b SELECT g, g FROM generate_series(1, 3000) g;",
         [("schema.missing_primary_key", "public.a_b")],
         after=["SELECT * FROM a_b WHERE a_id = 7", "SELECT * FROM a_b WHERE b_id = 7"],
         fix="ALTER TABLE public.a_b ADD PRIMARY KEY (a_id, b_id);"),
    Case("foreign key without index",
         "CREATE TABLE parent (id int PRIMARY KEY); CREATE TABLE child (id int PRIMARY KEY, "
         "parent_id int NOT NULL REFERENCES parent (id));",
         [("schema.fk_without_index", "public.child_parent_id_fkey")],
         evidence={"columns": ["parent_id"], "referenced_table": "parent"},
         fix="CREATE INDEX CONCURRENTLY child_parent_id_idx ON public.child (parent_id);"),
    Case("nullable column without nulls",
         "CREATE TABLE p (id int PRIMARY KEY, name text); INSERT INTO p SELECT g, 'n' || g "
         "FROM generate_series(1, 2000) g;",
         [("schema.nullable_without_nulls", "public.p")], evidence={"columns": ["name"], "null_fraction": 0.0}),
    Case("type smells",
         "CREATE TABLE s (id serial PRIMARY KEY, at timestamp NOT NULL, price money NOT NULL);"
         "CREATE TABLE k (id text PRIMARY KEY);",
         [("schema.type_money", "public.s"), ("schema.type_serial", "public.s"), ("schema.type_text_id", "public.k"),
          ("schema.type_timestamp", "public.s")],
         evidence={"columns": {"price": "money"}}, fix="ALTER TABLE public.s ALTER COLUMN price TYPE numeric(12,2);"),
    Case("unused index",
         "CREATE TABLE u (id int PRIMARY KEY, v int NOT NULL); CREATE INDEX u_v_idx ON u (v);"
         "INSERT INTO u SELECT g, g FROM generate_series(1, 100) g;",
         [("indexes.unused", "public.u_v_idx")], after=["SELECT * FROM u WHERE id = 5"] * 3,
         evidence={"scans": 0}, fix="DROP INDEX CONCURRENTLY public.u_v_idx;",
         limits=Thresholds(min_stats_age_days=0)),  # counters of seconds: judged at once only when told to
    Case("unused index, statistics too young to tell",
         "CREATE TABLE u (id int PRIMARY KEY, v int NOT NULL); CREATE INDEX u_v_idx ON u (v);"
         "INSERT INTO u SELECT g, g FROM generate_series(1, 100) g;",
         [("indexes.unused_too_early", "")], after=["SELECT * FROM u WHERE id = 5"] * 3,
         evidence={"indexes": ["public.u_v_idx"], "counting_since": "database creation"}),
    Case("duplicate index",
         "CREATE TABLE d (id int PRIMARY KEY, v int NOT NULL); CREATE INDEX d_v_a ON d (v);"
         "CREATE INDEX d_v_b ON d (v);"
         "INSERT INTO d SELECT g, g FROM generate_series(1, 5000) g;",
         [("indexes.duplicate", "public.d_v_a|public.d_v_b")], after=["SELECT * FROM d WHERE v = 5"] * 3,
         # which of the identical pair goes is decided by name, not by which one the planner happened to use
         evidence={"columns": ["v"], "duplicate_of": "public.d_v_a"}, fix="DROP INDEX CONCURRENTLY public.d_v_b;"),
    Case("redundant prefix index",
         "CREATE TABLE r (id int PRIMARY KEY, a int NOT NULL, b int NOT NULL); CREATE INDEX r_a ON r (a);"
         "CREATE INDEX r_a_b ON r (a, b); INSERT INTO r SELECT g, g, g FROM generate_series(1, 5000) g;",
         [("indexes.redundant", "public.r_a")], after=["SELECT * FROM r WHERE a = 5 AND b = 5"] * 3,
         evidence={"covered_by": "public.r_a_b"}, fix="DROP INDEX CONCURRENTLY public.r_a;"),
    Case("invalid index",
         "CREATE TABLE i (id int PRIMARY KEY, v int NOT NULL); INSERT INTO i VALUES (1, 1), (2, 1);",
         [("indexes.invalid", "public.i_v_key")], after=["CREATE UNIQUE INDEX CONCURRENTLY i_v_key ON i (v)"],
         evidence={"valid": False}, fix="DROP INDEX CONCURRENTLY public.i_v_key;"),
    Case("bloated table and index",
         "CREATE TABLE b (id int PRIMARY KEY, v int NOT NULL); INSERT INTO b SELECT g, g FROM "
         "generate_series(1, 200000) g; DELETE FROM b WHERE id % 10 <> 0;",
         [("indexes.bloated", "public.b_pkey"), ("maintenance.table_bloat", "public.b")],
         after=["VACUUM ANALYZE b", *["SELECT * FROM b WHERE id = 10"] * 3],
         limits=Thresholds(bloat_min_bytes=1024**2),
         fix="REINDEX INDEX CONCURRENTLY public.b_pkey;"),
    Case("heavy sequential scans",
         "CREATE TABLE h (id int PRIMARY KEY, v int NOT NULL); INSERT INTO h SELECT g, g % 50 FROM "
         "generate_series(1, 20000) g;",
         [("indexes.heavy_seq_scans", "public.h")], after=["SELECT count(*) FROM h WHERE v = 3"] * 25,
         evidence={"index_scans": 0, "index_share": 0.0}, limits=SENSITIVE),
    Case("dead rows awaiting vacuum",
         "CREATE TABLE v (id int PRIMARY KEY, n int NOT NULL) WITH (autovacuum_vacuum_threshold = 2000000000,"
         " autovacuum_analyze_threshold = 2000000000); INSERT INTO v SELECT g, 0 FROM generate_series(1, 10000) g;"
         "",
         [("maintenance.analyze_needed", "public.v"), ("maintenance.vacuum_needed", "public.v")],
         after=["UPDATE v SET n = 1"], fix="ANALYZE public.v;"),
    Case("never analyzed",
         "CREATE TABLE n (id int PRIMARY KEY) WITH (autovacuum_analyze_threshold = 2000000000);"
         "INSERT INTO n SELECT g FROM generate_series(1, 5000) g;",
         [("maintenance.analyze_needed", "public.n")], evidence={"never_analyzed": True}, fix="ANALYZE public.n;",
         analyze=False),
    Case("autovacuum switched off for a table",
         "CREATE TABLE off (id int PRIMARY KEY) WITH (autovacuum_enabled = false);",
         [("maintenance.autovacuum_disabled", "public.off")], fix="ALTER TABLE public.off RESET (autovacuum_enabled);"),
    Case("sequence near its maximum",
         "CREATE TABLE q (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);"
         "SELECT setval(pg_get_serial_sequence('q', 'id'), 2000000000);",
         [("maintenance.sequence_near_max", "public.q_id_seq")],
         evidence={"last_value": 2000000000, "max_value": 2147483647, "column_type": "integer"},
         fix="ALTER SEQUENCE public.q_id_seq AS bigint;"),
    Case("integer key fed by a bigint sequence",
         "CREATE SEQUENCE w_seq AS bigint; CREATE TABLE w (id int PRIMARY KEY DEFAULT nextval('w_seq'));"
         "ALTER SEQUENCE w_seq OWNED BY w.id; SELECT setval('w_seq', 1900000000);",
         [("maintenance.sequence_near_max", "public.w_seq"), ("schema.type_serial", "public.w")],
         evidence={"max_value": 2147483647, "sequence_type": "bigint", "column_type": "integer"},
         fix="ALTER SEQUENCE public.w_seq AS bigint;\nALTER TABLE public.w ALTER COLUMN id TYPE bigint;"),
    Case("slow statement",
         "CREATE TABLE z (id int PRIMARY KEY);", [("performance.slow_statement", "*")],
         after=["SELECT pg_sleep(0.11)"] * 3, evidence={"calls": 3}),
    Case("temporary files",
         "CREATE TABLE big (id int PRIMARY KEY, v text NOT NULL); INSERT INTO big SELECT g, md5(g::text) "
         "FROM generate_series(1, 100000) g;",
         [("performance.temp_files", "*")], after=["SET work_mem = '64kB'", "SELECT * FROM big ORDER BY v"],
         limits=SENSITIVE),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_problem_gives_its_exact_finding(make_pg_db, case: Case) -> None:
    dsn = make_pg_db(case.setup)
    if case.analyze:
        run(dsn, "ANALYZE")
    if case.after:
        with psycopg.connect(dsn, autocommit=True) as conn:
            for sql in case.after:
                # the invalid-index case: the failed CONCURRENTLY build is the point
                with contextlib.suppress(psycopg.errors.UniqueViolation):
                    conn.execute(sql)  # type: ignore[arg-type]
    settle(dsn)
    report = check(dsn, case.limits)
    local = sorted((f.id, f.object or "") for f in report.findings if f.family in DATABASE_FAMILIES)
    assert len(local) == len(case.expected), local
    for (rule, obj), (want_rule, want_obj) in zip(local, sorted(case.expected), strict=True):
        # "*": any object (a statement's queryid, the database's name); "a|b": either (which duplicate the
        # planner happened to use decides which one is reported)
        assert rule == want_rule and (obj in want_obj.split("|") or want_obj == "*"), local
    first = next(f for f in report.findings if f.id == case.expected[0][0])
    assert first.evidence, "a finding without evidence"
    for key, value in case.evidence.items():
        assert first.evidence[key] == value, (key, first.evidence)
    assert case.fix in (first.fix or "")


# -- activity: a second session holds the problem open while dbsage looks -------------------------------------------


@contextmanager
def session(dsn: str) -> Iterator[psycopg.Connection]:
    conn = psycopg.connect(dsn, autocommit=True, application_name="other-app")
    try:
        yield conn
    finally:
        conn.close()


def _in_thread(dsn: str, sql: str) -> tuple[threading.Thread, Callable[[], int]]:
    """Run `sql` in its own session on a thread; return the thread and the session's pid once known."""
    holder: dict[str, int] = {}

    def work() -> None:
        with session(dsn) as conn:
            holder["pid"] = conn.info.backend_pid
            with contextlib.suppress(psycopg.errors.QueryCanceled):
                conn.execute(sql)  # type: ignore[arg-type]

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while "pid" not in holder and time.monotonic() < deadline:
        time.sleep(0.02)
    return thread, lambda: holder["pid"]


def _cancel(admin: str, pid: int) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("SELECT pg_cancel_backend(%s)", (pid,))


@pytest.fixture()
def activity_db(make_pg_db) -> str:
    return make_pg_db("CREATE TABLE acct (id int PRIMARY KEY, balance int NOT NULL); INSERT INTO acct VALUES (1, 0);")


ACTIVITY = Thresholds(long_query_s=1, idle_in_transaction_s=1, blocked_s=1)


def test_idle_in_transaction(activity_db: str) -> None:
    with session(activity_db) as other:
        other.execute("BEGIN")
        other.execute("SELECT * FROM acct")
        time.sleep(1.3)
        report = check(activity_db, ACTIVITY)
        pid = other.info.backend_pid
    found = report.by_id("activity.idle_in_transaction")
    assert [f.object for f in found] == [f"pid {pid}"]
    assert found[0].evidence["application"] == "other-app" and found[0].evidence["idle_s"] >= 1.0
    assert found[0].fix.startswith(f"SELECT pg_terminate_backend({pid});")


def test_long_running_query(activity_db: str, pg_admin_dsn: str) -> None:
    thread, pid = _in_thread(activity_db, "SELECT pg_sleep(30)")
    try:
        time.sleep(1.3)
        report = check(activity_db, ACTIVITY)
    finally:
        _cancel(pg_admin_dsn, pid())
        thread.join(5)
    found = report.by_id("activity.long_running_query")
    assert [f.object for f in found] == [f"pid {pid()}"]
    assert found[0].evidence["query"] == "SELECT pg_sleep(30)" and found[0].evidence["running_s"] >= 1.0
    assert report.by_id("activity.idle_in_transaction") == []


def test_blocked_and_blocking_sessions(activity_db: str, pg_admin_dsn: str) -> None:
    with session(activity_db) as holder:
        holder.execute("BEGIN")
        holder.execute("UPDATE acct SET balance = 1 WHERE id = 1")
        thread, waiter = _in_thread(activity_db, "UPDATE acct SET balance = 2 WHERE id = 1")
        try:
            time.sleep(1.3)
            report = check(activity_db, Thresholds(blocked_s=1))
        finally:
            _cancel(pg_admin_dsn, waiter())
            thread.join(5)
        blocker = holder.info.backend_pid
    found = report.by_id("activity.blocked_session")
    assert [f.object for f in found] == [f"pid {waiter()}"]
    assert found[0].evidence["blocked_by"] == [blocker] and found[0].evidence["wait_event"] == "transactionid"
    assert found[0].fix.startswith(f"SELECT pg_terminate_backend({blocker});  -- idle in transaction")


def test_connection_use(activity_db: str, pg_admin_dsn: str) -> None:
    with psycopg.connect(pg_admin_dsn) as conn:
        usable = conn.execute("SELECT current_setting('max_connections')::int - "
                              "current_setting('superuser_reserved_connections')::int").fetchone()[0]
        taken = conn.execute("SELECT count(*) FROM pg_stat_activity "
                             "WHERE backend_type = 'client backend'").fetchone()[0]
    extra = [psycopg.connect(activity_db) for _ in range(int(0.85 * usable) - taken)]
    try:
        report = check(activity_db)
    finally:
        for conn in extra:
            conn.close()
    found = report.by_id("activity.connection_use")
    assert len(found) == 1 and found[0].evidence["usable"] == usable
    assert found[0].evidence["connections"] >= 0.8 * usable
    assert check(activity_db).by_id("activity.connection_use") == []


# -- cluster-wide problems: made, seen, then undone so the other tests see a clean cluster ---------------------------


CLUSTER_CASES = [
    ("extra superuser", ["CREATE ROLE dbsage_t_admin SUPERUSER LOGIN"], ["DROP ROLE dbsage_t_admin"],
     "security.extra_superusers", "dbsage_t_admin"),
    ("password expiry used but not everywhere",
     ["CREATE ROLE dbsage_t_exp LOGIN VALID UNTIL '2099-01-01'", "CREATE ROLE dbsage_t_noexp LOGIN"],
     ["DROP ROLE dbsage_t_exp", "DROP ROLE dbsage_t_noexp"], "security.password_without_expiry", "dbsage_t_noexp"),
    ("md5 password hash", ["SET password_encryption = 'md5'", "CREATE ROLE dbsage_t_md5 LOGIN PASSWORD 'pw'"],
     ["DROP ROLE dbsage_t_md5"], "security.md5_password_hashes", "dbsage_t_md5"),
    ("md5 password encryption", ["ALTER SYSTEM SET password_encryption = 'md5'", "SELECT pg_reload_conf()"],
     ["ALTER SYSTEM RESET password_encryption", "SELECT pg_reload_conf()"], "security.password_encryption_md5",
     "password_encryption"),
    ("inactive replication slot", ["SELECT pg_create_physical_replication_slot('dbsage_t_slot', true)"],
     ["SELECT pg_drop_replication_slot('dbsage_t_slot')"], "reliability.replication_slot", "dbsage_t_slot"),
    ("autovacuum off", ["ALTER SYSTEM SET autovacuum = off", "SELECT pg_reload_conf()"],
     ["ALTER SYSTEM RESET autovacuum", "SELECT pg_reload_conf()"], "configuration.autovacuum_off", "autovacuum"),
    ("checkpoint pressure", ["SELECT pg_stat_reset_shared('bgwriter')", *["CHECKPOINT"] * 10],
     ["SELECT pg_stat_reset_shared('bgwriter')"], "performance.checkpoint_pressure", "max_wal_size"),
]


@pytest.mark.parametrize(("name", "make", "undo", "rule", "obj"), CLUSTER_CASES, ids=[c[0] for c in CLUSTER_CASES])
def test_cluster_problem(healthy: str, pg_admin_dsn: str, name, make, undo, rule, obj) -> None:
    run(pg_admin_dsn, *make)
    try:
        if "SELECT pg_reload_conf()" in make:
            time.sleep(0.3)  # the reload reaches backends started afterwards; give the postmaster a moment
        found = check(healthy).by_id(rule)
    finally:
        run(pg_admin_dsn, *undo)
        if "SELECT pg_reload_conf()" in undo:
            time.sleep(0.3)
    assert len(found) == 1 and obj in (found[0].object or ""), found
    assert found[0].evidence
    assert check(healthy).by_id(rule) == []


def test_public_create_on_schema(make_pg_db) -> None:
    dsn = make_pg_db("GRANT CREATE ON SCHEMA public TO PUBLIC;")
    found = check(dsn).by_id("security.public_create")
    assert [(f.object, f.fix) for f in found] == [("public", "REVOKE CREATE ON SCHEMA public FROM PUBLIC;")]


def test_without_pg_stat_statements(make_pg_db) -> None:
    report = check(make_pg_db("", extensions=()))
    missing = report.by_id("configuration.pg_stat_statements_missing")
    assert len(missing) == 1 and missing[0].fix == "CREATE EXTENSION pg_stat_statements;"
    card = {item.key: item.status for item in report.scorecard}
    assert (card["monitoring"], card["p95"]) == ("fail", "unknown")


def test_problem_scorecard(make_pg_db) -> None:
    dsn = make_pg_db("CREATE TABLE parent (id int PRIMARY KEY); CREATE TABLE child (parent_id int REFERENCES parent);"
                     "CREATE TABLE alembic_version (version_num text PRIMARY KEY);")
    run(dsn, "SELECT pg_sleep(0.15)", times=3)
    card = {item.key: item for item in check(dsn).scorecard}
    assert (card["pks"].status, card["pks"].why) == ("fail", "1 of 3 tables have no primary key")
    assert (card["fks"].status, card["fks"].why) == ("fail", "1 of 1 foreign keys have no supporting index")
    assert card["p95"].status == "fail" and card["p95"].finding_ids
    assert "public.alembic_version" in card["reversible_migrations"].why


def test_cli_check(healthy: str) -> None:
    import json

    result = CliRunner().invoke(app, ["check", "--db", healthy, "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["dbsage"], document["command"]) == (1, "check")
    assert {f["id"] for f in document["report"]["findings"]} == cluster_baseline()
    assert len(document["report"]["scorecard"]) == 9
    table = CliRunner().invoke(app, ["check", "--db", healthy, "--family", "security"])
    assert table.exit_code == 0 and "SECURITY" in table.stdout and "RELIABILITY" not in table.stdout
    assert "scorecard" in table.stdout
    bad = CliRunner().invoke(app, ["check", "--db", healthy, "--family", "vibes"])
    assert bad.exit_code == 2 and "unknown family vibes" in bad.stderr


# -- rules on recorded facts: what cannot be provoked on a throwaway cluster ------------------------------------------


def _db(**values) -> dict:
    base = {"name": "app", "current": True, "xid_age": 1_000, "blks_hit": 0, "blks_read": 0, "temp_files": 0,
            "temp_bytes": 0, "deadlocks": 0, "numbackends": 1, "stats_reset": None, "started": "2026-01-01"}
    return {**base, **values}


def _settings(**values) -> list[dict]:
    units = {"shared_buffers": "8kB", "work_mem": "kB", "max_wal_size": "MB"}
    return [{"name": k, "setting": str(v), "unit": units.get(k), "source": "configuration file", "boot_val": ""}
            for k, v in values.items()]


RECORDED = [
    ("wraparound, high", {"database": [_db(xid_age=1_200_000_000)], "settings": _settings(
        autovacuum_freeze_max_age=200_000_000)}, "maintenance.xid_wraparound", "high"),
    ("wraparound, critical", {"database": [_db(xid_age=1_700_000_000)]}, "maintenance.xid_wraparound", "critical"),
    ("cold cache", {"database": [_db(blks_hit=90_000, blks_read=10_000)]}, "performance.cache_hit_ratio", "medium"),
    ("archiving failing", {"settings": _settings(archive_mode="on"), "archiver": [{
        "archived_count": 10, "failed_count": 3, "last_archived_time": "2026-01-01 10:00",
        "last_failed_time": "2026-01-01 11:00", "last_archived_wal": "a", "last_failed_wal": "b"}]},
     "reliability.archiving_failing", "high"),
    ("replica lag", {"replication": [{"name": "standby1", "client_addr": "10.0.0.2", "state": "streaming",
                                      "replay_lag_s": 95.0, "behind_bytes": 10_000_000, "is_self": False}]},
     "reliability.replica_lag", "medium"),
    ("shared_buffers too small for the machine", {"machine": [{"mem_bytes": 64 * 1024**3, "rotational": None}],
     "settings": _settings(shared_buffers=16384, work_mem=4096, max_connections=100)},
     "configuration.memory_shared_buffers_small", "low"),
    ("work_mem overcommits RAM", {"machine": [{"mem_bytes": 4 * 1024**3, "rotational": None}],
     "settings": _settings(shared_buffers=131072, work_mem=262144, max_connections=100)},
     "configuration.memory_work_mem_overcommit", "medium"),
    ("random_page_cost on SSD", {"machine": [{"mem_bytes": None, "rotational": False, "disks": {"nvme0n1": False}}],
     "settings": _settings(random_page_cost=4)}, "configuration.random_page_cost", "low"),
]


@pytest.mark.parametrize(("name", "facts", "rule", "severity"), RECORDED, ids=[r[0] for r in RECORDED])
def test_rule_on_recorded_facts(name, facts, rule, severity) -> None:
    findings, _ = evaluate(facts)
    assert [(f.id, f.severity) for f in findings] == [(rule, severity)]
    assert findings[0].evidence and findings[0].fix


RECORDED_HEALTHY = [
    {"database": [_db(xid_age=150_000_000, blks_hit=999_000, blks_read=1_000)]},
    {"settings": _settings(archive_mode="on"), "archiver": [{"archived_count": 10, "failed_count": 1,
     "last_archived_time": "2026-01-01 12:00", "last_failed_time": "2026-01-01 11:00"}]},
    {"machine": [{"mem_bytes": 16 * 1024**3, "rotational": True}], "settings": _settings(
        shared_buffers=524288, work_mem=4096, max_connections=100, random_page_cost=4)},
    {"replication": [{"name": "s", "replay_lag_s": 0.2, "behind_bytes": 0, "state": "streaming"}]},
]


@pytest.mark.parametrize("facts", RECORDED_HEALTHY)
def test_no_rule_fires_on_healthy_recorded_facts(facts) -> None:
    assert evaluate(facts)[0] == []


def test_p95_estimate_weights_calls() -> None:
    statements = [{"calls": 940, "mean_ms": 2.0, "query": "SELECT 1"},
                  {"calls": 50, "mean_ms": 80.0, "query": "SELECT 2"},
                  {"calls": 10, "mean_ms": 900.0, "query": "SELECT 3"}]
    assert estimated_p95_ms({"statements": statements}) == 80.0  # the slowest 5% of calls end inside the 80 ms one
    assert estimated_p95_ms({"statements": []}) is None


def test_machine_facts_read_this_machine() -> None:
    facts = machine_facts()
    assert facts["mem_bytes"] and facts["mem_bytes"] > 256 * 1024**2


# -- the demo database: the checkup finds exactly what was planted ----------------------------------------------------


def test_demo_checkup_finds_exactly_the_planted_problems(pg_demo_dsn: str) -> None:
    from dbsage.tools.demo.problems import PROBLEMS

    rules = {"fk_without_index": "schema.fk_without_index", "duplicate_index": "indexes.duplicate",
             "unused_index": "indexes.unused", "missing_primary_key": "schema.missing_primary_key"}
    planted = [p for p in PROBLEMS if p.id in rules]
    report = check(pg_demo_dsn, Thresholds(min_stats_age_days=0))  # the demo's whole workload has run
    # the planted families, at warning level: info-level observations (nullable columns without nulls) are not
    # problems and are not counted here
    found = [f for f in report.findings if f.family in ("schema", "indexes") and f.severity != "info"]
    assert len(found) == len(planted), [(f.id, f.object) for f in found]
    for problem in planted:
        match = [f for f in found if f.id == rules[problem.id] and f.object in problem.objects]
        assert len(match) == 1, (problem.id, [(f.id, f.object) for f in found])
        fix = match[0].fix or ""
        if problem.id == "duplicate_index":  # which of the two to keep is the checker's call (the one in use)
            assert fix.startswith("DROP INDEX CONCURRENTLY ") and fix.split()[3].rstrip(";") in problem.objects
        else:
            assert fix.startswith(problem.fix.split("  --")[0]), (fix, problem.fix)
    card = {item.key: item.status for item in report.scorecard}
    assert (card["pks"], card["fks"]) == ("fail", "fail")


def test_demo_checkup_section(pg_demo_dsn: str) -> None:
    from rich.console import Console

    from dbsage.agent.cli.demo import checkup_section

    engine = connect(resolve(pg_demo_dsn))
    console = Console(record=True, width=120)
    try:
        part = checkup_section(engine, console, "table")
    finally:
        engine.close()
    assert {f["id"] for f in part["findings"]} >= {"schema.fk_without_index", "indexes.duplicate"}
    text = console.export_text()
    assert "public.post_tags has no primary key" in text and "scorecard" in text


def test_report_is_bounded_per_rule() -> None:
    from dbsage.tools.checks import bounded

    table = {"relkind": "r", "has_pk": False, "unique_not_null_index": None, "column_count": 1, "reltuples": 0,
             "total_bytes": 0, "pages": 0, "seq_scan": 0, "idx_scan": 0, "seq_tup_read": 0, "n_live_tup": 0,
             "n_dead_tup": 0, "n_mod_since_analyze": 0, "last_vacuum": None, "last_autovacuum": None,
             "last_analyze": None, "last_autoanalyze": None, "autovacuum_enabled": "true", "fillfactor": 100,
             "row_width": None, "analyzed_columns": 0, "xid_age": 0}
    tables = [{**table, "oid": n, "schema": "public", "name": f"t{n}"} for n in range(250)]
    findings, card = evaluate({"tables": tables})
    kept, omitted = bounded(findings)
    assert len(findings) == 250 and len(kept) == 100 and omitted == {"schema.missing_primary_key": 150}
    assert next(c for c in card if c.key == "pks").why == "250 of 250 tables have no primary key"


@pytest.mark.parametrize("grant", ["pg_monitor", None], ids=["read-only role with pg_monitor", "bare login"])
def test_checkup_as_a_least_privilege_login(healthy: str, pg_admin_dsn: str, grant: str | None) -> None:
    from dbsage.tools.engines.postgres.adapter import read_only_role_sql

    database = healthy.rsplit("/", 1)[1]
    role_sql = read_only_role_sql(database, ["public"], role="dbsage_t_ro").replace(" PASSWORD 'choose-a-password'", "")
    if grant is None:
        role_sql = role_sql.replace("GRANT pg_monitor TO dbsage_t_ro;", "")
    run(healthy, *[line.split("  --")[0] for line in role_sql.splitlines()])
    try:
        report = check(healthy.replace("postgres@", "dbsage_t_ro@", 1))
    finally:
        run(healthy, "DROP OWNED BY dbsage_t_ro", "DROP ROLE dbsage_t_ro")
    ids = {f.id for f in report.findings}
    assert "security.dbsage_superuser" not in ids
    assert "configuration.pg_stat_statements_missing" not in ids  # installed and preloaded: not a false alarm
    assert not [f for f in report.findings if f.family in DATABASE_FAMILIES]
    unreadable = {note.split(":")[0] for note in report.skipped}
    assert unreadable == {"role_passwords", "hba"}  # pg_authid and pg_hba_file_rules: superusers only
    assert {item.key: item.status for item in report.scorecard}["monitoring"] == "pass"
