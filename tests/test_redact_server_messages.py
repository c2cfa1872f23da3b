"""Masking hides secrets only: a server's own message keeps its words and punctuation. Real MariaDB (a wrong
password: `Access denied … (using password: YES)`) and the masking rules on messages that quote SQL.
"""

from __future__ import annotations

import pytest

from cli import run_dbsage
from dbsage.tools.redact import redact


def test_mariadb_access_denied_is_shown_whole_and_the_password_is_not(mysql_admin_dsn: str) -> None:
    hostport = mysql_admin_dsn.split("@", 1)[1].split("/", 1)[0]
    done = run_dbsage("sql", "SELECT 1", "--db", f"mysql://root:Wr0ngSecret@{hostport}/test")
    assert done.returncode == 1
    assert "Wr0ngSecret" not in done.stderr + done.stdout
    assert "(using password: YES)" in done.stderr, done.stderr


@pytest.mark.parametrize(("text", "shown"), [
    ("Access denied for user 'app'@'10.0.0.1' (using password: NO)",
     "Access denied for user 'app'@'10.0.0.1' (using password: NO)"),
    ("syntax error near 'token=abc123' at line 1", "syntax error near 'token=***' at line 1"),
    ("(password: hunter2)", "(password: ***)"),
    ("password=)))", "password=***"),  # a value made only of closing marks is still the value: all hidden
    ("host=db password=top)secret dbname=x", "host=db password=*** dbname=x"),
])
def test_masks_the_value_and_keeps_the_message(text: str, shown: str) -> None:
    assert redact(text) == shown
