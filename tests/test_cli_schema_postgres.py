"""`dbsage schema` on PostgreSQL through the installed console script: overview, detail, plain large overview."""

from __future__ import annotations

import pytest

from cli import run_dbsage as dbsage

SETUP = """
CREATE TABLE notes (id int PRIMARY KEY, body text);
COMMENT ON TABLE notes IS '[red]not markup[/red] [bold]';
COMMENT ON COLUMN notes.body IS '[link=http://x]click[/link]';
CREATE TABLE no_pk (v int);
"""


@pytest.fixture(scope="module")
def dsn(make_pg_db) -> str:
    return make_pg_db(SETUP)


def test_database_text_is_printed_literally_never_as_markup(dsn: str) -> None:
    overview = dbsage("schema", "--db", dsn)
    assert overview.returncode == 0, overview.stderr
    assert "[red]not markup[/red] [bold]" in overview.stdout
    detail = dbsage("schema", "notes", "--db", dsn)
    assert detail.returncode == 0, detail.stderr
    assert "comment: [red]not markup[/red] [bold]" in detail.stdout
    assert "[link=http://x]click[/link]" in detail.stdout


def test_unknown_object_is_a_usage_error_with_next_step(dsn: str) -> None:
    result = dbsage("schema", "nope", "--db", dsn)
    assert result.returncode == 2
    assert "no table, view or collection named 'nope'" in result.stderr
    assert "dbsage schema" in result.stderr


def test_large_overview_is_plain_aligned_text(make_pg_db) -> None:
    tables = "".join(f"CREATE TABLE t{i:03d} (id int PRIMARY KEY, v text);" for i in range(230))
    result = dbsage("schema", "--db", make_pg_db(tables))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith("· 230 objects")
    assert lines[1].split() == ["object", "kind", "columns", "rows", "(est.)", "size", "indexes", "PK", "comment"]
    body = [line for line in lines[3:] if line.startswith("public.t")]
    assert len(body) == 230
    assert all(line.split()[1] == "table" and line.split()[-1] == "yes" for line in body)
    assert "┃" not in result.stdout  # not a rich table


def test_unreachable_target_exits_1_with_redacted_dsn() -> None:
    result = dbsage("schema", "--db", "postgresql://app:s3cret@127.0.0.1:1/x")
    assert result.returncode == 1
    assert "s3cret" not in result.stderr + result.stdout
    assert "postgresql://app:***@127.0.0.1:1/x" in result.stderr
