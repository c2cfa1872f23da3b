"""`dbsage lint` through the real CLI: exit codes, JSON, bad input, config, ignore comments, and live sizes from the
throwaway PostgreSQL and MariaDB servers (a small table passes, a big one does not)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from cli import run_dbsage


def _write(folder: Path, name: str, sql: str) -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sql, encoding="utf-8")
    return str(path)


def _findings(out: str) -> list[dict]:
    document = json.loads(out)
    assert (document["dbsage"], document["command"]) == (1, "lint")
    return document["findings"]


def test_clean_file_exits_0_and_dangerous_exits_4(tmp_path: Path) -> None:
    safe = _write(tmp_path, "safe.sql", "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON orders (a);\n")
    bad = _write(tmp_path, "bad.sql", "SET lock_timeout = '3s';\nALTER TABLE orders RENAME COLUMN a TO b;\n")
    assert run_dbsage("lint", safe).returncode == 0
    result = run_dbsage("lint", bad, "--format", "json")
    assert result.returncode == 4
    (finding,) = [f for f in _findings(result.stdout) if f["severity"] != "info"]
    assert finding["rule"] == "rename-column" and finding["line"] == 2 and finding["lock"] == "ACCESS EXCLUSIVE"
    assert finding["file"] == bad and finding["reason"] and finding["safe_rewrite"]


def test_fail_on_error_lets_warnings_pass(tmp_path: Path) -> None:
    path = _write(tmp_path, "w.sql", "DROP INDEX i;\n")
    assert run_dbsage("lint", path).returncode == 4
    assert run_dbsage("lint", path, "--fail-on", "error").returncode == 0
    assert run_dbsage("lint", path, "--fail-on", "nonsense").returncode == 2


def test_text_output_names_file_line_rule_and_rewrite(tmp_path: Path) -> None:
    path = _write(tmp_path, "m.sql", "\n\nCREATE INDEX i ON orders (a);\n")
    out = run_dbsage("lint", path).stdout
    assert f"{path}:3" in out and "index-not-concurrent" in out and "CREATE INDEX CONCURRENTLY" in out


def test_unreadable_and_unparsable_files_exit_1(tmp_path: Path) -> None:
    missing = run_dbsage("lint", str(tmp_path / "nope.sql"))
    assert missing.returncode == 1 and "no such file" in missing.stderr
    binary = _write(tmp_path, "b.sql", "")
    Path(binary).write_bytes(b"\xff\xfe\x00bad")
    assert run_dbsage("lint", binary).returncode == 1
    broken = _write(tmp_path, "broken.sql", "SELECT 1;\nALTER TABEL orders ADD a int;\n")
    result = run_dbsage("lint", broken, "--dialect", "postgres")
    assert result.returncode == 1 and f"{broken}:2:7" in result.stderr


def test_directory_without_sql_files_exits_1(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    _write(tmp_path, "empty/readme.txt", "nothing here")
    result = run_dbsage("lint", str(tmp_path / "empty"))
    assert result.returncode == 1 and "no .sql files" in result.stderr


def test_a_folder_is_linted_file_by_file(tmp_path: Path) -> None:
    _write(tmp_path, "m/001_table.sql", "CREATE TABLE t (id bigint PRIMARY KEY, a text);\n")
    _write(tmp_path, "m/002_index.sql", "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\n")
    result = run_dbsage("lint", str(tmp_path / "m"), "--format", "json")
    assert result.returncode == 0 and len(json.loads(result.stdout)["files"]) == 2


def test_mixed_dialects_exit_1_and_name_both_files(tmp_path: Path) -> None:
    pg = _write(tmp_path, "pg.sql", "ALTER TABLE o ALTER COLUMN a SET DEFAULT 1;\n")
    my = _write(tmp_path, "my.sql", "ALTER TABLE `o` MODIFY a BIGINT;\n")
    result = run_dbsage("lint", pg, my)
    assert result.returncode == 1 and "mix dialects" in result.stderr and "pg.sql" in result.stderr


def test_mysql_is_detected_and_judged_by_server_version(tmp_path: Path) -> None:
    path = _write(tmp_path, "add.sql", "ALTER TABLE orders ADD COLUMN c INT NULL AFTER id, ALGORITHM=INSTANT;\n")
    assert run_dbsage("lint", path, "--server-version", "8.0.36").returncode == 0
    old = run_dbsage("lint", path, "--server-version", "8.0.20", "--format", "json")
    assert old.returncode == 4 and _findings(old.stdout)[0]["rule"] == "mysql-algorithm-unsupported"


def test_ignore_comment_and_config_rule_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, "m.sql", "SET lock_timeout = '3s';\n"
                                     "ALTER TABLE o DROP COLUMN a;  -- dbsage:ignore drop-column\n"
                                     "ALTER TABLE o RENAME COLUMN b TO c;\n")
    result = run_dbsage("lint", path, "--format", "json")
    assert [f["rule"] for f in _findings(result.stdout) if f["severity"] != "info"] == ["rename-column"]
    (tmp_path / "dbsage.toml").write_text('[lint]\ndisable = ["rename-column"]\n')
    monkeypatch.chdir(tmp_path)
    assert run_dbsage("lint", path).returncode == 0
    (tmp_path / "dbsage.toml").write_text('[lint]\ndisable = ["no-such-rule"]\n')
    typo = run_dbsage("lint", path)
    assert typo.returncode == 1 and "no-such-rule" in typo.stderr


def test_live_postgres_small_table_passes_big_table_fails(make_pg_db: Callable[..., str], tmp_path: Path) -> None:
    dsn = make_pg_db(
        "CREATE TABLE tags (id int PRIMARY KEY, name text);"
        "INSERT INTO tags SELECT g, 'tag' || g FROM generate_series(1, 20) g;"
        "CREATE TABLE orders (id bigint PRIMARY KEY, created_at timestamptz);"
        "INSERT INTO orders SELECT g, now() FROM generate_series(1, 200000) g;"
        "ANALYZE tags, orders;", extensions=())
    small = _write(tmp_path, "small.sql", "SET lock_timeout = '3s';\nCREATE INDEX i ON tags (name);\n")
    big = _write(tmp_path, "big.sql", "SET lock_timeout = '3s';\nCREATE INDEX j ON orders (created_at);\n")
    assert run_dbsage("lint", small).returncode == 4  # without --db a table's size is unknown
    assert run_dbsage("lint", small, "--db", dsn).returncode == 0
    result = run_dbsage("lint", big, "--db", dsn, "--format", "json")
    assert result.returncode == 4
    (finding,) = [f for f in _findings(result.stdout) if f["severity"] != "info"]
    assert finding["severity"] == "warning" and "200k rows" in finding["reason"]
    new = _write(tmp_path, "new.sql", "CREATE TABLE orders2 (id bigint);\nCREATE INDEX k ON orders2 (id);\n")
    assert run_dbsage("lint", new, "--db", dsn).returncode == 0


def test_live_postgres_a_small_but_busy_table_is_not_waved_through(make_pg_db: Callable[..., str],
                                                                    tmp_path: Path) -> None:
    dsn = make_pg_db(
        "CREATE TABLE quiet (id int PRIMARY KEY, n int);"
        "CREATE TABLE counters (id int PRIMARY KEY, n int);"
        "INSERT INTO quiet SELECT g, 0 FROM generate_series(1, 20) g;"
        "INSERT INTO counters SELECT g, 0 FROM generate_series(1, 20) g;"
        "DO $$ BEGIN FOR i IN 1..5001 LOOP UPDATE counters SET n = n + 1; END LOOP; END $$;"
        "ANALYZE quiet, counters;", extensions=())
    quiet = _write(tmp_path, "quiet.sql", "SET lock_timeout = '3s';\nCREATE INDEX i ON quiet (n);\n")
    busy = _write(tmp_path, "busy.sql", "SET lock_timeout = '3s';\nCREATE INDEX j ON counters (n);\n")
    assert run_dbsage("lint", quiet, "--db", dsn).returncode == 0
    result = run_dbsage("lint", busy, "--db", dsn, "--format", "json")
    assert result.returncode == 4, result.stdout + result.stderr  # 20 rows, but 100k writes: writers would queue
    (finding,) = [f for f in _findings(result.stdout) if f["severity"] != "info"]
    assert "is busy (100,040 writes since statistics reset)" in finding["reason"]  # 20 inserted, 100,020 updated


def test_live_mariadb_online_ddl(make_mysql_db: Callable[..., str], tmp_path: Path) -> None:
    dsn = make_mysql_db("CREATE TABLE customers (id BIGINT PRIMARY KEY, name VARCHAR(40) NOT NULL);\n"
                        "INSERT INTO customers VALUES (1, 'a'), (2, 'b');\n")
    instant = _write(tmp_path, "a.sql", "ALTER TABLE customers ADD COLUMN note VARCHAR(20) NULL AFTER id;\n")
    assert run_dbsage("lint", instant, "--db", dsn).returncode == 0  # MariaDB 10.4+: instant anywhere
    copy = _write(tmp_path, "b.sql", "ALTER TABLE customers MODIFY name BIGINT NOT NULL;\n")
    result = run_dbsage("lint", copy, "--db", dsn, "--format", "json")
    (finding,) = [f for f in _findings(result.stdout) if f["rule"] == "mysql-copy-algorithm"]
    assert "varchar(40)" in finding["reason"].lower() and "2 rows" in finding["reason"]
    assert finding["severity"] == "info" and result.returncode == 0  # two rows: the copy is instant
    widen = _write(tmp_path, "c.sql", "ALTER TABLE customers MODIFY name VARCHAR(60) NOT NULL, ALGORITHM=INPLACE;\n")
    assert run_dbsage("lint", widen, "--db", dsn).returncode == 0
    wrong = run_dbsage("lint", copy, "--db", dsn, "--dialect", "postgres")
    assert wrong.returncode == 2
