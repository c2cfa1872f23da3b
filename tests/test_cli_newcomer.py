"""dbsage as a newcomer DBA meets it: a narrow terminal, typos, odd names, a broken config, `--format json` on errors.

Every error says what to do next, prints no traceback and keeps its exit code; JSON mode answers in JSON even when
the command line itself is wrong; names and SQL that people copy are never cut with '…' at 80 columns, and text
from the database is printed as data, never read as rich markup.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from cli import run_dbsage

NARROW = {"COLUMNS": "80"}


def assert_clean_failure(result: subprocess.CompletedProcess[str], code: int) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "→" in result.stderr, f"no hint saying what to do next: {result.stderr}"


def json_error(result: subprocess.CompletedProcess[str]) -> dict[str, object]:
    document = json.loads(result.stdout)
    assert document["dbsage"] == 1
    assert document["error"] and document["hint"]
    return document


def column_text(table: str, column: int) -> str:
    """One column of a rich box table with its wrapped/folded pieces joined: what the cell really holds."""
    pieces = [line.split("│")[column].strip() for line in table.splitlines() if line.startswith("│")]
    return "".join(piece for piece in pieces)


# ── usage errors found by the command-line parser: JSON too when --format json was asked for ──────────────────────

PARSER_ERRORS = [
    (["top", "--limit", "0", "--format", "json"], "--limit"),
    (["top", "--sort", "bogus", "--format=json"], "--sort"),
    (["proposals", "show", "abc", "-f", "json"], "ID"),
    (["explain", "--format", "json"], "SQL"),
    (["nosuchcommand", "--format", "json"], "nosuchcommand"),
]


@pytest.mark.parametrize(("args", "named"), PARSER_ERRORS)
def test_parser_usage_errors_are_versioned_json_when_asked(args: list[str], named: str) -> None:
    result = run_dbsage(*args, env={"DBSAGE_STATE_DIR": "/nonexistent-dbsage-state"})
    assert result.returncode == 2, result.stderr
    document = json_error(result)
    assert named in str(document["error"])
    assert document["error_type"] == "UsageError"
    assert "--help" in str(document["hint"])
    assert "Traceback" not in result.stderr


def test_parser_usage_errors_stay_human_without_json() -> None:
    result = run_dbsage("top", "--limit", "0")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "--limit" in result.stderr and "Traceback" not in result.stderr


def test_help_and_version_still_exit_zero() -> None:
    assert run_dbsage("--version").returncode == 0
    help_text = run_dbsage("sql", "--help")
    assert help_text.returncode == 0
    assert "[SQL|-]" in help_text.stdout and "[[SQL|-]]" not in help_text.stdout


# ── dbsage.toml that is not what dbsage expects ────────────────────────────────────────────────────────────────────

BROKEN_CONFIGS = [
    ('connections = "local"\n', "loc", "is not a table"),
    ('connections = ["a"]\n', "a", "is not a table"),
    ('[connections]\nx = "notadsn"\n', "x", "is not a DSN"),
    ("connections = [\n", "local", "is not valid TOML"),
]


@pytest.mark.parametrize(("toml", "name", "message"), BROKEN_CONFIGS)
def test_broken_config_is_a_config_error_with_a_hint(tmp_path: Path, toml: str, name: str, message: str) -> None:
    (tmp_path / "dbsage").mkdir()
    (tmp_path / "dbsage" / "dbsage.toml").write_text(toml, encoding="utf-8")
    env = {"XDG_CONFIG_HOME": str(tmp_path)}  # the user's config dir: the working directory has no dbsage.toml
    result = run_dbsage("sql", "SELECT 1", "--db", name, env=env)
    assert_clean_failure(result, 1)
    assert message in result.stderr
    as_json = run_dbsage("sql", "SELECT 1", "--db", name, "--format", "json", env=env)
    assert json_error(as_json)["error_type"] == "ConfigError"


@pytest.mark.parametrize("command", [["sql", "SELECT 1"], ["schema"], ["doctor"]])
def test_empty_db_option_is_refused_not_replaced_by_the_defaults(command: list[str]) -> None:
    result = run_dbsage(*command, "--db", "", env={"PGHOST": "127.0.0.1", "PGPORT": "1"})
    assert_clean_failure(result, 2)
    assert "--db is empty" in result.stderr


def test_config_connection_may_be_a_libpq_conninfo(tmp_path: Path, make_pg_db) -> None:
    dsn = make_pg_db("")
    from psycopg.conninfo import conninfo_to_dict

    conninfo = " ".join(f"{key}={value}" for key, value in conninfo_to_dict(dsn).items() if value is not None)
    (tmp_path / "dbsage").mkdir()
    (tmp_path / "dbsage" / "dbsage.toml").write_text(f'[connections]\nkv = "{conninfo}"\n', encoding="utf-8")
    result = run_dbsage("sql", "SELECT 41 + 1 AS answer", "--db", "kv", "--format", "json",
                        env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["result"]["rows"] == [[42]]


# ── errors the server raises carry a next step too ─────────────────────────────────────────────────────────────────

@pytest.fixture(scope="module")
def shop(make_pg_db) -> str:
    return make_pg_db(
        'CREATE TABLE "audit[/b]" (id int, note text);'  # a legal name that is also a rich closing tag
        "CREATE TABLE customers_with_a_rather_long_name (id bigint PRIMARY KEY, email text);"
        "CREATE TABLE orders_with_a_rather_long_table_name (id bigint PRIMARY KEY, "
        "  customer_id bigint NOT NULL REFERENCES customers_with_a_rather_long_name(id), status text, "
        "  created_at timestamptz NOT NULL DEFAULT now(), tags text[]);"
        "COMMENT ON TABLE orders_with_a_rather_long_table_name IS "
        "  'every order the shop ever took, with its status and the customer who placed it';"
        "INSERT INTO customers_with_a_rather_long_name SELECT g, 'c' || g || '@example.com' "
        "  FROM generate_series(1, 2000) g;"
        "INSERT INTO orders_with_a_rather_long_table_name (id, customer_id, status, created_at, tags) "
        "  SELECT g, 1 + g % 2000, CASE WHEN g % 50 = 0 THEN 'pending' ELSE 'paid' END, "
        "         now() - g * interval '1 minute', ARRAY['t' || g % 7] FROM generate_series(1, 40000) g;"
        "ANALYZE;"
    )


def test_database_error_without_its_own_hint_gets_one(shop: str) -> None:
    result = run_dbsage("sql", "SELECT * FROM no_such_table", "--db", shop)
    assert_clean_failure(result, 1)
    assert "no_such_table" in result.stderr and "dbsage schema" in result.stderr
    assert json_error(run_dbsage("sql", "SELECT * FROM no_such_table", "--db", shop, "-f", "json"))


def test_names_that_look_like_markup_are_printed_as_data(shop: str) -> None:
    result = run_dbsage("check", "--db", shop, "--family", "schema")
    assert result.returncode == 0, result.stderr
    assert "audit[/b]" in result.stdout  # no primary key: the finding names the table
    explain = run_dbsage("explain", "SELECT * FROM orders_with_a_rather_long_table_name WHERE tags[1] = 't3'",
                         "--db", shop)
    assert explain.returncode == 0, explain.stderr
    assert "[1]" in explain.stdout


def test_check_fixes_are_never_wrapped_in_a_narrow_terminal(shop: str) -> None:
    result = run_dbsage("check", "--db", shop, "--family", "schema", env=NARROW)
    assert result.returncode == 0, result.stderr
    fixes = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("fix: CREATE INDEX")]
    assert fixes, result.stdout
    assert all(fix.endswith(";") and len(fix) > 80 for fix in fixes), fixes  # one whole statement per line


def test_schema_overview_keeps_names_whole_at_80_columns(shop: str) -> None:
    result = run_dbsage("schema", "--db", shop, env=NARROW)
    assert result.returncode == 0, result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    for name in ("public.orders_with_a_rather_long_table_name", "public.customers_with_a_rather_long_name"):
        # whole on one line: neither cut with … nor folded over two lines of a cell
        assert any(name in line for line in result.stdout.splitlines()), result.stdout
    wide = run_dbsage("schema", "--db", shop)  # with room, the comment column is there
    assert "every order the shop ever took" in wide.stdout


def test_advise_prints_whole_create_statements_at_80_columns(shop: str, tmp_path: Path) -> None:
    workload = tmp_path / "app.sql"
    workload.write_text("SELECT id, created_at FROM orders_with_a_rather_long_table_name "
                        "WHERE customer_id = 42 AND status = 'pending' ORDER BY created_at DESC LIMIT 20;\n",
                        encoding="utf-8")
    as_json = run_dbsage("advise", "--db", shop, "--workload", str(workload), "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    creates = [r["create_sql"] for r in json.loads(as_json.stdout)["report"]["recommendations"]]
    assert creates and any(len(sql) > 60 for sql in creates)
    as_sql = run_dbsage("advise", "--db", shop, "--workload", str(workload), "--format", "sql", env=NARROW)
    assert as_sql.returncode == 0, as_sql.stderr
    # Each run plans afresh (a vacuum in between can change which variant wins): compare shapes, not the exact index
    statements = [line for line in as_sql.stdout.splitlines() if line and not line.startswith("--")]
    assert len(statements) == len(creates)  # one per line, nothing else uncommented
    assert all(_whole_create(line) for line in statements), statements
    table = run_dbsage("advise", "--db", shop, "--workload", str(workload), env=NARROW)
    assert table.returncode == 0, table.stderr
    printed = [line.strip() for line in table.stdout.splitlines() if "CREATE INDEX" in line]
    assert len(printed) == len(creates) and all(_whole_create(line) for line in printed), table.stdout
    # the whole statement on one line: a name is never broken mid-word


def _whole_create(line: str) -> bool:
    return (line.startswith("CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_with_a_rather_long_table_name_")
            and " ON public.orders_with_a_rather_long_table_name (customer_id" in line and line.endswith(";"))


# ── the proposal queue prints what people typed as plain text ─────────────────────────────────────────────────────

def test_reject_reason_with_brackets_is_shown_as_typed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dbsage.agent.proposals import ProposalDraft, ProposalStore

    monkeypatch.setenv("DBSAGE_STATE_DIR", str(tmp_path))
    draft = ProposalDraft(title="create index [bold]x_idx", engine="postgres", target="postgresql://h/db",
                          up_sql="CREATE INDEX x_idx ON x (a);", down_sql="DROP INDEX x_idx;")
    proposal = ProposalStore().create(draft, by="dbsage test")
    env = {"DBSAGE_STATE_DIR": str(tmp_path)}
    rejected = run_dbsage("proposals", "reject", str(proposal.id), "--reason", "[/oops] not now", env=env)
    assert rejected.returncode == 0, rejected.stderr
    shown = run_dbsage("proposals", "show", str(proposal.id), env=env)
    assert shown.returncode == 0, shown.stderr
    assert "[/oops] not now" in shown.stdout and "[bold]x_idx" in shown.stdout
    listed = run_dbsage("proposals", "list", env={**env, **NARROW})
    assert "[bold]x_idx" in column_text(listed.stdout, 3)


# ── dead ends that used to look like success, or crash ─────────────────────────────────────────────────────────────

def test_empty_schema_says_where_to_look(make_pg_db) -> None:
    result = run_dbsage("schema", "--db", make_pg_db("", extensions=()), env=NARROW)
    assert result.returncode == 0, result.stderr
    assert "no tables, views or collections" in result.stdout and "--db names the database" in result.stdout


def test_workload_with_nothing_to_analyse_is_an_error(shop: str, tmp_path: Path) -> None:
    workload = tmp_path / "writes.sql"
    workload.write_text("DELETE FROM orders_with_a_rather_long_table_name;\n", encoding="utf-8")
    result = run_dbsage("advise", "--db", shop, "--workload", str(workload))
    assert_clean_failure(result, 2)
    assert "DELETE changes data" in result.stderr
    as_json = run_dbsage("advise", "--db", shop, "--workload", str(workload), "--format", "json")
    assert as_json.returncode == 2 and json_error(as_json)


def test_export_to_a_file_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dbsage.agent.proposals import ProposalDraft, ProposalStore

    monkeypatch.setenv("DBSAGE_STATE_DIR", str(tmp_path))
    store = ProposalStore()
    proposal = store.create(ProposalDraft(title="create index y_idx", engine="postgres", target="postgresql://h/db",
                                          up_sql="CREATE INDEX y_idx ON y (a);", down_sql="DROP INDEX y_idx;"),
                            by="dbsage test")
    store.approve(proposal.id, by="a person")
    not_a_folder = tmp_path / "migrations.txt"
    not_a_folder.write_text("", encoding="utf-8")
    result = run_dbsage("proposals", "export", str(proposal.id), "--to", str(not_a_folder),
                        env={"DBSAGE_STATE_DIR": str(tmp_path)})
    assert_clean_failure(result, 2)
    assert "cannot write the migration files" in result.stderr


def test_sql_values_are_folded_not_cut_at_80_columns(shop: str) -> None:
    email = "a.customer.with.a.remarkably.long.address.that.does.not.fit@example.com"
    result = run_dbsage("sql", f"SELECT 1 AS a, 2 AS b, 3 AS c, 4 AS d, 5 AS e, 6 AS f, '{email}' AS email",
                        "--db", shop, env=NARROW)
    assert result.returncode == 0, result.stderr
    assert "…" not in result.stdout
    assert column_text(result.stdout, 7) == email


WORKLOADS_THAT_CANNOT_BE_READ = [
    ("latin1.sql", b"SELECT 1 -- caf\xe9\n", "not UTF-8 text"),
    ("folder.sql", None, "cannot read the workload"),  # a folder whose name ends in .sql, inside the workload folder
]


@pytest.mark.parametrize(("name", "content", "message"), WORKLOADS_THAT_CANNOT_BE_READ)
def test_unreadable_workload_is_a_usage_error(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    if content is None:
        (tmp_path / name).mkdir()
    else:
        (tmp_path / name).write_bytes(content)
    result = run_dbsage("advise", "--db", "postgresql://nobody@127.0.0.1:1/x", "--workload", str(tmp_path))
    assert_clean_failure(result, 2)
    assert message in result.stderr


def test_sql_without_a_statement_at_a_terminal_says_how_instead_of_waiting() -> None:
    import os
    import pty

    from cli import DBSAGE

    controller, terminal = pty.openpty()
    try:
        env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
        result = subprocess.run([DBSAGE, "sql", "--db", "postgresql://nobody@127.0.0.1:1/x"], stdin=terminal,
                                capture_output=True, text=True, timeout=20, env=env)
    finally:
        os.close(terminal)
        os.close(controller)
    assert_clean_failure(result, 2)
    assert "no statement given" in result.stderr


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_ctrl_c_stops_a_running_statement_with_130(shop: str, fmt: str) -> None:
    import os
    import signal
    import time

    from cli import DBSAGE

    slow = "SELECT count(*) FROM generate_series(1, 500000000)"
    env = {**os.environ, "NO_COLOR": "1"}
    process = subprocess.Popen([DBSAGE, "sql", slow, "--db", shop, "--timeout", "60", "--format", fmt],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    time.sleep(2.0)  # connected and running: start-up and connect take well under a second
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert time.monotonic() - started < 5  # not waited for
    assert "interrupted" in err and "Traceback" not in err
    if fmt == "json":
        assert json.loads(out)["error"] == "interrupted"
    assert not _still_running(shop, "generate_series(1, 500000000)")  # the server stopped it too


def _still_running(dsn: str, text: str) -> bool:
    import time

    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(30):
            row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE %s "
                               "AND pid <> pg_backend_pid()", (f"%{text}%",)).fetchone()
            if row is not None and row[0] == 0:
                return False
            time.sleep(0.1)
    return True


def test_skipped_workload_statements_are_shown_as_written(shop: str, tmp_path: Path) -> None:
    workload = tmp_path / "mixed.sql"
    workload.write_text("SELECT id FROM orders_with_a_rather_long_table_name WHERE status = 'pending';\n"
                        "DELETE FROM orders_with_a_rather_long_table_name WHERE tags[i] = 'x';\n", encoding="utf-8")
    result = run_dbsage("advise", "--db", shop, "--workload", str(workload))
    assert result.returncode == 0, result.stderr
    assert "refused by the guard" in result.stdout and "tags[i]" in result.stdout  # `[i]` is rich's italic tag


def test_mcp_http_on_a_busy_or_impossible_port_is_a_usage_error() -> None:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = str(busy.getsockname()[1])
        result = run_dbsage("mcp", "--db", "postgresql://nobody@127.0.0.1:1/x", "--http", "--port", port, timeout=20)
    assert_clean_failure(result, 2)  # not uvicorn's own exit 3, which dbsage keeps for the guard
    assert f"127.0.0.1:{port}" in result.stderr
    impossible = run_dbsage("mcp", "--http", "--port", "99999", timeout=20)
    assert impossible.returncode == 2 and "Traceback" not in impossible.stderr


@pytest.mark.parametrize(("host", "warned"), [("0.0.0.0", True), ("127.0.0.1", False)])
def test_mcp_http_warns_when_it_listens_beyond_this_machine(host: str, warned: bool) -> None:
    import subprocess

    from cli import DBSAGE
    from servers import free_port

    port = str(free_port())
    proc = subprocess.Popen([DBSAGE, "mcp", "--db", "postgresql://nobody@127.0.0.1:1/x", "--http", "--host", host,
                             "--port", port], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        import socket
        import time

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the warning is written before the server listens
            try:
                socket.create_connection(("127.0.0.1", int(port)), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the MCP server did not start listening")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert ("without authentication" in err) is warned


def test_ask_exits_1_when_no_tool_call_succeeded_but_0_with_evidence(make_pg_db) -> None:
    unreachable = run_dbsage("ask", "check health", "--db", "postgresql://x:pw@127.0.0.1:1/nope", "-f", "json")
    assert unreachable.returncode == 1
    assert json.loads(unreachable.stdout)["tool_calls"][0]["ok"] is False  # the document is still complete
    assert "no tool call succeeded" in unreachable.stderr and "dbsage doctor" in unreachable.stderr
    assert "pw@" not in unreachable.stderr + unreachable.stdout
    healthy = run_dbsage("ask", "describe table t", "--db", make_pg_db("CREATE TABLE t (id int PRIMARY KEY);"))
    assert healthy.returncode == 0, healthy.stderr
