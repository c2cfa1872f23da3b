"""`dbsage doctor` with a least-privilege login (the first command a new role runs): it reports what it can see,
marks the rest unknown with the GRANT that reveals it, and its fix texts are true (no install for an installed
package, no "then" without a first step). Real throwaway PostgreSQL cluster.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import psycopg
import pytest

from cli import run_dbsage


@pytest.fixture(scope="module")
def dsns(make_pg_db, pg_admin_dsn: str):
    dsn = make_pg_db("")  # pg_stat_statements (preloaded by the test cluster) and hypopg installed here
    database = urlsplit(dsn).path.lstrip("/")
    with psycopg.connect(pg_admin_dsn, autocommit=True) as admin:
        admin.execute("DROP ROLE IF EXISTS dbsage_newcomer")
        admin.execute("CREATE ROLE dbsage_newcomer LOGIN")
        admin.execute(f"GRANT CONNECT ON DATABASE {database} TO dbsage_newcomer")
    parts = urlsplit(dsn)
    newcomer = parts._replace(netloc=f"dbsage_newcomer@{parts.hostname}:{parts.port}").geturl()
    yield dsn, newcomer
    with psycopg.connect(pg_admin_dsn, autocommit=True) as admin:
        admin.execute(f"REVOKE CONNECT ON DATABASE {database} FROM dbsage_newcomer")
        admin.execute("DROP ROLE dbsage_newcomer")


def capabilities(dsn: str) -> dict[str, dict]:
    done = run_dbsage("doctor", "--db", dsn, "--format", "json")
    assert done.returncode == 0, done.stderr + done.stdout
    document = json.loads(done.stdout)
    report = document.get("report", document)
    return {c["name"]: c for c in report["capabilities"]}


def test_least_privilege_login_gets_a_report_with_unknowns_and_the_grant(dsns) -> None:
    _, newcomer = dsns
    caps = capabilities(newcomer)
    pss = caps["pg_stat_statements"]
    assert pss["available"] is None and "not readable by this login" in pss["detail"]
    assert "GRANT pg_read_all_settings TO dbsage_newcomer" in pss["fix"]
    assert caps["hypopg"]["available"] is True  # what it can see, it reports


def test_fix_texts_are_true(dsns) -> None:
    superuser, newcomer = dsns
    for caps in (capabilities(superuser), capabilities(newcomer)):
        for cap in caps.values():
            fix = cap["fix"] or ""
            assert not fix.lower().startswith("then"), cap
            if "not available" not in cap["detail"]:
                assert "apt-get" not in fix, cap  # the package is there: installing it is not a step
        assert caps["hypopg"]["fix"] is None
    assert capabilities(superuser)["pg_stat_statements"] == {
        "name": "pg_stat_statements", "available": True,
        "detail": "extension installed in this database; preloaded", "fix": None}
