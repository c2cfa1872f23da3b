"""Target resolution and secret redaction: table-driven, no server needed."""

from __future__ import annotations

import pytest

from dbsage.tools.errors import ConfigError, UsageError
from dbsage.tools.redact import redact, redact_url
from dbsage.tools.targets import resolve


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("postgresql://app:s3cr3t@db.example/prod", "s3cr3t"),
        ("mysql://root:p%40ss@127.0.0.1:3306/shop", "p%40ss"),
        ("mongodb://u:hunter2@h1,h2/db?replicaSet=rs", "hunter2"),
        ("host=db user=app password=topsecret dbname=x", "topsecret"),
        ("host=db password='quoted secret' dbname=x", "quoted secret"),
        ("postgresql://u@h/db?sslpassword=keypass", "keypass"),
        ("error: could not connect with OPENAI key sk-abcdefghijklmnop1234", "sk-abcdefghijklmnop1234"),
        ("Authorization: Bearer abcdefgh12345678", "abcdefgh12345678"),
        ("slack token xoxb-1234567890-abcdef", "xoxb-1234567890-abcdef"),
        ('{"user": "app", "password": "js0n-secret"}', "js0n-secret"),
        ("db_password: yaml-secret", "yaml-secret"),
        ("{'api_key': 'py-repr-secret'}", "py-repr-secret"),
    ],
)
def test_redact_removes_every_secret_shape(text: str, secret: str) -> None:
    assert secret not in redact(text)
    assert "***" in redact(text)


@pytest.mark.parametrize("text", [
    "password_encryption: scram-sha-256", "max_tokens: 4000", "the time: 12:00", "ratio: 0.5",
])
def test_redact_leaves_lookalikes_alone(text: str) -> None:
    assert redact(text) == text


def test_redact_url_keeps_what_a_person_needs() -> None:
    assert redact_url("postgresql://app:pw@db.internal:5433/prod") == "postgresql://app:***@db.internal:5433/prod"
    assert redact_url("postgresql://app@db/prod") == "postgresql://app@db/prod"


@pytest.mark.parametrize(
    ("value", "engine"),
    [
        ("postgresql://u@h/db", "postgres"),
        ("postgres://u@h/db", "postgres"),
        ("mysql://root@127.0.0.1/test", "mysql"),
        ("mariadb://root@127.0.0.1/test", "mysql"),
        ("mongodb://127.0.0.1:27017/app", "mongo"),
        ("host=127.0.0.1 dbname=test", "postgres"),
    ],
)
def test_dsn_schemes_pick_the_engine(value: str, engine: str) -> None:
    assert resolve(value).engine == engine


def test_target_never_shows_its_password() -> None:
    target = resolve("postgresql://app:letmein@db/prod")
    assert "letmein" not in repr(target)
    assert "letmein" not in target.display


def test_unknown_scheme_and_unknown_name_are_usage_errors(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match="unknown database scheme"):
        resolve("oracle://x@y/z")
    with pytest.raises(UsageError, match="neither a DSN nor a connection name"):
        resolve("prod")


def test_named_connection_from_dbsage_toml_with_env_password(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dbsage.toml").write_text(
        '[connections]\nshop = "mysql://root@127.0.0.1/shop"\n'
        '[connections.prod]\ndsn = "postgresql://app:${PROD_PW}@db/prod"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("PROD_PW", "fromenv")
    target = resolve("prod")
    assert target.engine == "postgres" and target.name == "prod"
    assert target.dsn == "postgresql://app:fromenv@db/prod"
    assert "fromenv" not in target.display
    assert resolve("shop").engine == "mysql"
    monkeypatch.delenv("PROD_PW")
    with pytest.raises(ConfigError, match="PROD_PW"):
        resolve("prod")


def test_dbsage_db_then_libpq_defaults(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DBSAGE_DB", "mysql://root@127.0.0.1/x")
    assert resolve(None).engine == "mysql"
    monkeypatch.delenv("DBSAGE_DB")
    fallback = resolve(None)
    assert fallback.engine == "postgres" and fallback.dsn == "" and fallback.source == "libpq defaults"


def test_postgres_only_commands_say_so_for_other_engines() -> None:
    with pytest.raises(UsageError, match="supports PostgreSQL only so far; this target is MySQL/MariaDB"):
        resolve("mysql://root@127.0.0.1/x").require("postgres", "check")
    assert resolve("postgresql://u@h/db").require("postgres", "check").engine == "postgres"


@pytest.mark.parametrize(("command", "code", "message"), [
    (["check"], 1, "cannot connect to mongodb://127.0.0.1:1/app"),
    (["top"], 1, "cannot connect to mongodb://127.0.0.1:1/app"),
    (["explain", "SELECT 1"], 2, "a shell query starts with db."),  # MongoDB takes mongosh queries, read before
])                                                                    # any connection
def test_diagnosis_commands_reach_mongodb(command: list[str], code: int, message: str) -> None:
    # Every engine offers explain/top/check now (test_engine_registry tests the refusal of a missing feature).
    from cli import run_dbsage

    result = run_dbsage(*command, "--db", "mongodb://127.0.0.1:1/app")
    assert result.returncode == code and message in result.stderr
    assert "Traceback" not in result.stderr
