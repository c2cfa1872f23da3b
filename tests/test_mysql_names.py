"""MySQL/MariaDB schemas as people write them (Chinook-style CamelCase names, several foreign keys per table): the
advisor finds candidates on them, its scratch copy accepts their definitions, and what it recommends the server
runs. Found by running `dbsage advise` on the public Chinook sample, where it advised nothing and the scratch copy
failed with a syntax error."""

from __future__ import annotations

import json

import pytest
from conftest import mysql_admin_connection, with_database

from cli import run_dbsage

SCHEMA = """
CREATE TABLE `Genre` (`GenreId` INT NOT NULL PRIMARY KEY, `Name` VARCHAR(120));
CREATE TABLE `MediaType` (`MediaTypeId` INT NOT NULL PRIMARY KEY, `Name` VARCHAR(120));
CREATE TABLE `Track` (
    `TrackId` INT NOT NULL PRIMARY KEY,
    `Name` VARCHAR(200) NOT NULL,
    `MediaTypeId` INT NOT NULL,
    `GenreId` INT,
    `UnitPrice` DECIMAL(10,2) NOT NULL,
    CONSTRAINT `FK_TrackGenreId` FOREIGN KEY (`GenreId`) REFERENCES `Genre` (`GenreId`),
    CONSTRAINT `FK_TrackMediaTypeId` FOREIGN KEY (`MediaTypeId`) REFERENCES `MediaType` (`MediaTypeId`)
);
INSERT INTO `Genre` SELECT seq, CONCAT('g', seq) FROM seq_1_to_25;
INSERT INTO `MediaType` SELECT seq, CONCAT('m', seq) FROM seq_1_to_5;
INSERT INTO `Track` SELECT seq, CONCAT('track ', seq), 1 + seq % 5, 1 + seq % 25, 0.99 + (seq % 3) FROM seq_1_to_4000;
"""

WORKLOAD = "SELECT `TrackId`, `Name` FROM Track WHERE UnitPrice > 1.5 ORDER BY Name LIMIT 20;\n"


@pytest.fixture(scope="module")
def chinookish(make_mysql_db) -> str:
    return make_mysql_db(SCHEMA)


def test_advice_on_camel_case_names_is_found_verified_and_runs(chinookish: str, mysql_admin_dsn: str,
                                                              tmp_path) -> None:
    workload = tmp_path / "w.sql"
    workload.write_text(WORKLOAD)
    heuristic = run_dbsage("advise", "--db", chinookish, "--workload", str(workload), "--format", "json")
    assert heuristic.returncode == 0, heuristic.stderr
    recommended = json.loads(heuristic.stdout)["report"]["recommendations"]
    assert recommended, "no index advised on a CamelCase schema"
    assert all(r["create_sql"].startswith("ALTER TABLE `t") and "`Track` ADD INDEX" in r["create_sql"]
               for r in recommended), [r["create_sql"] for r in recommended]

    conn = mysql_admin_connection(mysql_admin_dsn)
    with conn.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS names_scratch")
        cur.execute("CREATE DATABASE names_scratch")
    verified = run_dbsage("advise", "--db", chinookish, "--workload", str(workload),
                          "--scratch", with_database(mysql_admin_dsn, "names_scratch"), "--format", "json",
                          timeout=180)
    assert verified.returncode == 0, verified.stderr  # the copy of a table with two foreign keys is accepted
    assert json.loads(verified.stdout)["report"]["verified"] is True

    database = chinookish.rsplit("/", 1)[1]
    with mysql_admin_connection(mysql_admin_dsn, database).cursor() as cur:
        for r in recommended:  # the server takes every statement dbsage wrote, then the rollback
            cur.execute(r["create_sql"])
        for r in recommended:
            cur.execute(r["drop_sql"])
    conn.close()
