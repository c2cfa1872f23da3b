"""Lint rules, table-driven: SQL in, the rule ids at warning or above out (info findings are advice, not verdicts)."""

from __future__ import annotations

import pytest

from dbsage.tools.errors import DbsageError, UsageError
from dbsage.tools.migrations.lint import LintSettings, lint_sql
from dbsage.tools.migrations.lint.catalog import all_rules
from dbsage.tools.migrations.model import LiveContext, TableFacts

LT = "SET lock_timeout = '3s';\n"

POSTGRES = [
    # (sql, server version, expected rule ids at warning or above)
    ("CREATE INDEX i ON orders (a);", None, {"index-not-concurrent", "lock-timeout-missing"}),
    ("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON orders (a);", None, set()),
    # a partitioned parent's index ON ONLY builds nothing (and CONCURRENTLY with ONLY is refused): its lock is brief
    (LT + "CREATE INDEX IF NOT EXISTS i ON ONLY payment (a);", None, set()),
    ("CREATE TABLE t (id bigint PRIMARY KEY, a text);\nCREATE INDEX i ON t (a);", None, set()),
    ("DROP INDEX i;", None, {"drop-index-not-concurrent", "lock-timeout-missing"}),
    ("DROP INDEX CONCURRENTLY IF EXISTS i;", None, set()),
    (LT + "ALTER TABLE o ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES c (id);", None, {"constraint-validates-at-once"}),
    (LT + "ALTER TABLE o ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES c (id) NOT VALID;\n"
     "ALTER TABLE o VALIDATE CONSTRAINT f;", None, set()),
    ("BEGIN;\n" + LT + "ALTER TABLE o ADD CONSTRAINT k CHECK (a > 0) NOT VALID;\nALTER TABLE o VALIDATE CONSTRAINT k;\n"
     "COMMIT;", None, {"validate-in-same-transaction"}),
    (LT + "ALTER TABLE o ALTER COLUMN a SET NOT NULL;", None, {"set-not-null-scans"}),
    (LT + "ALTER TABLE o ADD CONSTRAINT n CHECK (a IS NOT NULL) NOT VALID;\nALTER TABLE o VALIDATE CONSTRAINT n;\n"
     "ALTER TABLE o ALTER COLUMN a SET NOT NULL;", None, set()),
    (LT + "ALTER TABLE o ADD CONSTRAINT n CHECK (a IS NOT NULL) NOT VALID;\nALTER TABLE o VALIDATE CONSTRAINT n;\n"
     "ALTER TABLE o ALTER COLUMN a SET NOT NULL;", "11", {"set-not-null-scans"}),
    (LT + "ALTER TABLE o ADD COLUMN a timestamptz DEFAULT clock_timestamp();", None, {"add-column-rewrite"}),
    (LT + "ALTER TABLE o ADD COLUMN a timestamptz DEFAULT now();", None, set()),
    (LT + "ALTER TABLE o ADD COLUMN a int DEFAULT 0;", "10", {"add-column-rewrite"}),
    (LT + "ALTER TABLE o ADD COLUMN a text NOT NULL DEFAULT 'x';", None, set()),
    (LT + "ALTER TABLE o ADD COLUMN a text NOT NULL;", None, {"add-column-required"}),
    (LT + "ALTER TABLE o ADD COLUMN s bigserial;", None, {"add-column-rewrite"}),
    (LT + "ALTER TABLE o ALTER COLUMN id TYPE bigint;", None, {"column-type-rewrite"}),
    (LT + "ALTER TABLE o ALTER COLUMN a TYPE text;", None, set()),  # info only without --db
    (LT + "ALTER TABLE o RENAME COLUMN a TO b;", None, {"rename-column"}),
    (LT + "ALTER TABLE o RENAME TO p;", None, {"rename-table"}),
    (LT + "ALTER TABLE o DROP COLUMN a;", None, {"drop-column"}),
    ("CREATE TABLE s (id bigint, b text);\nALTER TABLE s RENAME COLUMN b TO c;\nDROP TABLE s;", None, set()),
    # a schema dump (pagila's): sequences and views it creates, then hands to their owner, lock nothing in use
    ("CREATE SEQUENCE s_id_seq;\nALTER TABLE s_id_seq OWNER TO app;\nCREATE VIEW v AS SELECT 1 AS one;\n"
     "ALTER TABLE v OWNER TO app;", None, set()),
    ("ALTER TABLE existing_seq OWNER TO app;", None, {"lock-timeout-missing"}),
    ("DROP TABLE o;", None, {"drop-table", "lock-timeout-missing"}),
    ("DROP DATABASE d;", None, {"drop-database"}),
    ("TRUNCATE c CASCADE;", None, {"truncate-table", "lock-timeout-missing"}),
    ("BEGIN;\nCREATE INDEX CONCURRENTLY i ON o (a);\nCOMMIT;", None, {"concurrently-in-transaction"}),
    ("BEGIN;\nALTER TYPE s ADD VALUE 'x';\nCOMMIT;", "11", {"statement-in-transaction"}),
    ("BEGIN;\nALTER TYPE s ADD VALUE 'x';\nCOMMIT;", "15", set()),
    ("ALTER TABLE o ADD COLUMN a text;", None, {"lock-timeout-missing"}),
    ("BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE o ADD COLUMN a text;\nCOMMIT;", None, set()),
    ("BEGIN;\nBEGIN;\nSELECT 1;\nCOMMIT;", None, {"transaction-nesting"}),
    ("BEGIN;\nCREATE TABLE t (id bigint);", None, {"uncommitted-transaction"}),
    ("VACUUM FULL o;", None, {"table-rewrite-command", "lock-timeout-missing"}),
    ("CLUSTER o USING o_pkey;", None, {"table-rewrite-command", "lock-timeout-missing"}),
    ("REINDEX INDEX i;", None, {"reindex-not-concurrent"}),
    ("REINDEX INDEX CONCURRENTLY i;", None, set()),
    (LT + "ALTER TABLE o ADD CONSTRAINT u UNIQUE (a);", None, {"unique-constraint-builds-index"}),
    (LT + "ALTER TABLE o ADD CONSTRAINT u UNIQUE USING INDEX i;", None, set()),
    (LT + "ALTER TABLE m DETACH PARTITION p;", None, {"detach-partition-not-concurrent"}),
    ("ALTER TABLE m DETACH PARTITION p CONCURRENTLY;", None, set()),
    ("REFRESH MATERIALIZED VIEW v;", None, {"refresh-matview-blocks-reads", "lock-timeout-missing"}),
    ("REFRESH MATERIALIZED VIEW CONCURRENTLY v;", None, set()),
    ("UPDATE o SET a = 1;", None, {"unbatched-dml"}),
    ("UPDATE o SET a = 1 WHERE id < 1000;", None, set()),
    ("LOCK TABLE o IN ACCESS EXCLUSIVE MODE;", None, {"lock-table", "lock-timeout-missing"}),
    ("ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0);", None, {"domain-constraint-validates"}),
    ("CREATE TABLE t (id integer PRIMARY KEY);", None, {"prefer-bigint-key"}),
    ("CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamp);", None, set()),
    (f"CREATE TABLE {'x' * 70} (id bigint);", None, {"identifier-too-long"}),
    ("DROP VIEW v;", None, {"drop-object", "lock-timeout-missing"}),
    ("COMMENT ON TABLE o IS 'x';\nGRANT SELECT ON o TO r;", None, set()),
]

MYSQL = [
    ("ALTER TABLE o MODIFY a BIGINT NOT NULL;", "8.0.36", {"mysql-copy-algorithm"}),
    ("ALTER TABLE o CONVERT TO CHARACTER SET utf8mb4;", "8.0.36", {"mysql-charset-change"}),
    ("ALTER TABLE o ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES c (id);", "8.0.36", {"mysql-copy-algorithm"}),
    ("SET foreign_key_checks = 0;\nALTER TABLE o ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES c (id);", "8.0.36",
     set()),
    ("ALTER TABLE o ADD INDEX i (a), ALGORITHM=INPLACE, LOCK=NONE;", "8.0.36", set()),
    ("ALTER TABLE o ADD INDEX i (a), LOCK=SHARED;", "8.0.36", {"mysql-blocking-lock"}),
    ("ALTER TABLE o ADD FULLTEXT INDEX f (b);", "8.0.36", {"mysql-blocking-lock"}),
    ("ALTER TABLE o ADD COLUMN a INT NULL AFTER id, ALGORITHM=INSTANT;", "8.0.20", {"mysql-algorithm-unsupported"}),
    ("ALTER TABLE o ADD COLUMN a INT NULL AFTER id, ALGORITHM=INSTANT;", "8.0.36", set()),
    ("ALTER TABLE o ADD COLUMN a INT NULL, ALGORITHM=INSTANT;", "5.7.44", {"mysql-algorithm-unsupported"}),
    ("ALTER TABLE o ADD COLUMN a INT NULL AFTER id;", "10.11", set()),
    ("ALTER TABLE o ADD COLUMN a INT NULL AFTER id, ALGORITHM=INSTANT;", "10.3.5", {"mysql-algorithm-unsupported"}),
    ("ALTER TABLE o DROP PRIMARY KEY;", "10.11", {"mysql-copy-algorithm"}),
    ("ALTER TABLE o DROP PRIMARY KEY, ADD PRIMARY KEY (id, b);", "10.11", set()),
    ("ALTER TABLE o MODIFY a BIGINT, ALGORITHM=INPLACE;", "10.11", {"mysql-algorithm-unsupported",
                                                                     "mysql-copy-algorithm"}),
    ("ALTER TABLE c RENAME COLUMN a TO b;", "8.0.36", {"rename-column"}),
    ("ALTER TABLE c CHANGE a b INT NOT NULL;", "8.0.36", {"rename-column", "mysql-copy-algorithm"}),
    ("RENAME TABLE a TO b;", "10.11", {"rename-table"}),
    ("ALTER TABLE c DROP COLUMN a;", "8.0.36", {"drop-column"}),
    ("DROP TABLE a;", "8.0.36", {"drop-table"}),
    ("UPDATE o SET a = 0;", "8.0.36", {"unbatched-dml"}),
    ("DELETE FROM s WHERE e < NOW() LIMIT 1000;", "10.11", set()),
    ("CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY);", "10.11", {"prefer-bigint-key"}),
    ("CREATE TABLE t (id BIGINT AUTO_INCREMENT PRIMARY KEY, a VARCHAR(9));\nALTER TABLE t MODIFY a TEXT;\n"
     "CREATE INDEX i ON t (a(5));", "10.11", set()),
    ("CREATE INDEX i ON c (e) ALGORITHM=INPLACE LOCK=NONE;", "10.11", set()),
]


def _ids(sql: str, dialect: str, version: str | None) -> set[str]:
    return {f.rule for f in lint_sql(sql, dialect, server_version=version).at_or_above("warning")}


@pytest.mark.parametrize(("sql", "version", "expected"), POSTGRES)
def test_postgres_rules(sql: str, version: str | None, expected: set[str]) -> None:
    assert _ids(sql, "postgres", version) == expected


@pytest.mark.parametrize(("sql", "version", "expected"), MYSQL)
def test_mysql_rules(sql: str, version: str | None, expected: set[str]) -> None:
    assert _ids(sql, "mysql", version) == expected


def test_every_finding_has_line_lock_reason_and_rewrite() -> None:
    sql = "-- add an index\n\nCREATE INDEX i ON orders (a);\n" + LT + "ALTER TABLE orders ALTER COLUMN a SET NOT NULL;"
    report = lint_sql(sql, "postgres", filename="m.sql", settings=LintSettings(disabled={"lock-timeout-missing"}))
    first, second = report.at_or_above("warning")
    assert (first.file, first.line, first.lock) == ("m.sql", 3, "SHARE")
    assert second.line == 5 and second.lock == "ACCESS EXCLUSIVE" and "reads and writes" in second.blocks
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON orders (a)" in first.safe_rewrite
    assert "NOT VALID" in second.safe_rewrite and second.reason


def test_a_statement_line_counts_multibyte_text_before_it() -> None:
    report = lint_sql("COMMENT ON TABLE o IS 'ééé\nééé';\nCREATE INDEX i ON o (a);", "postgres")
    assert {f.line for f in report.at_or_above("warning")} == {3}


def test_size_weighs_the_verdict() -> None:
    sql = "CREATE INDEX i ON tags (name);\nCREATE INDEX j ON orders (a);\nCREATE INDEX k ON events (a);"
    context = LiveContext(tables={"tags": TableFacts(rows=20, bytes=8192),
                                  "orders": TableFacts(rows=2_000_000, bytes=300 * 1024 ** 2),
                                  "events": TableFacts(rows=50_000_000, bytes=20 * 1024 ** 3)})
    found = {f.line: f for f in lint_sql(sql, "postgres", context=context).findings if f.rule == "index-not-concurrent"}
    assert found[1].severity == "info" and "~20 rows" in found[1].reason
    assert found[2].severity == "warning" and "2.0M rows" in found[2].reason and "300.0 MB" in found[2].reason
    assert found[3].severity == "error"


def test_ignore_comment_silences_one_rule_on_one_statement() -> None:
    sql = (LT + "-- dbsage:ignore index-not-concurrent\nCREATE INDEX i ON o (a);\n"
           "CREATE INDEX j ON o (b);  -- dbsage:ignore\nCREATE INDEX k ON o (c);")
    assert [f.line for f in lint_sql(sql, "postgres").at_or_above("warning")] == [5]


def test_settings_turn_rules_off_and_change_severity() -> None:
    sql = "ALTER TABLE o ADD COLUMN a text;\nALTER TABLE o DROP COLUMN b;"
    settings = LintSettings(disabled={"lock-timeout-missing"}, severity={"drop-column": "error"})
    found = lint_sql(sql, "postgres", settings=settings).at_or_above("warning")
    assert [(f.rule, f.severity) for f in found] == [("drop-column", "error")]


def test_unparsable_sql_names_line_and_column() -> None:
    with pytest.raises(DbsageError, match=r"m\.sql:2:15: PostgreSQL cannot parse"):
        lint_sql("SELECT 1;\nALTER TABLE t MODIFY a int;", "postgres", filename="m.sql")


def test_unknown_dialect_and_bad_version_are_usage_errors() -> None:
    with pytest.raises(UsageError):
        lint_sql("SELECT 1", "oracle")
    with pytest.raises(UsageError):
        lint_sql("SELECT 1", "postgres", server_version="fifteen")


def test_every_squawk_default_rule_has_a_dbsage_rule() -> None:
    covered = {name for rule in all_rules().values() for name in rule.squawk}
    squawk_defaults = {
        "adding-field-with-default", "adding-foreign-key-constraint", "adding-not-nullable-field",
        "adding-required-field", "adding-serial-primary-key-field", "ban-alter-domain-with-add-constraint",
        "ban-char-field", "ban-concurrent-index-creation-in-transaction", "ban-create-domain-with-constraint",
        "ban-drop-column", "ban-drop-database", "ban-drop-not-null", "ban-drop-table", "ban-truncate-cascade",
        "ban-uncommitted-transaction", "changing-column-type", "constraint-missing-not-valid",
        "disallowed-unique-constraint", "identifier-too-long", "prefer-bigint-over-int", "prefer-bigint-over-smallint",
        "prefer-identity", "prefer-repack", "prefer-text-field", "prefer-timestamp-tz", "renaming-column",
        "renaming-table", "require-concurrent-index-creation", "require-concurrent-index-deletion",
        "require-concurrent-partition-detach", "require-concurrent-reindex", "require-enum-value-ordering",
        "require-lock-timeout", "require-statement-timeout", "require-timeout-settings", "transaction-nesting",
        "ban-drop-view",
    }
    assert squawk_defaults - covered == set()
