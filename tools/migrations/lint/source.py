"""Where migration text comes from: files and folders, `-- dbsage:ignore` directives, and which dialect a file is."""

from __future__ import annotations

from pathlib import Path

from dbsage.tools.errors import DbsageError

IGNORE = "dbsage:ignore"


def expand(paths: list[str]) -> list[Path]:
    """Files as given, folders as their .sql files (recursively, sorted: migration tools name them in order)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.sql") if p.is_file())
            if not found:
                raise DbsageError(f"{raw}: this folder has no .sql files",
                                  "point dbsage lint at the migration files or the folder that holds them")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise DbsageError(f"{raw}: no such file or folder", "check the path")
    return files


def read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise DbsageError(f"{path}: cannot read it ({exc.strerror or exc})",
                          "check the path and its permissions") from None
    except UnicodeDecodeError as exc:
        raise DbsageError(f"{path}: not UTF-8 text (byte {exc.start})",
                          "save the migration as UTF-8, or point at the .sql file, not a binary") from None


def ignored_rules(text: str, spans: list[tuple[int, int]]) -> list[set[str]]:
    """For each statement (first line, last line), the rules its `-- dbsage:ignore RULE[, RULE]` comments name.

    A directive belongs to the statement whose lines contain it (a trailing comment), else to the next statement.
    `-- dbsage:ignore` alone ignores every rule for that statement ("*").
    """
    result: list[set[str]] = [set() for _ in spans]
    for number, line in enumerate(text.splitlines(), start=1):
        at = line.find("--")
        if at < 0 or IGNORE not in line[at:]:
            continue
        names = line[at:].split(IGNORE, 1)[1].replace(",", " ").split()
        target = next((i for i, (_, last) in enumerate(spans) if last >= number), None)
        if target is not None:
            result[target].update(names or {"*"})
    return result


_MYSQL_WORDS = {"MODIFY", "CHANGE", "AUTO_INCREMENT", "ENGINE", "ALGORITHM", "UNSIGNED", "CHARSET", "AFTER",
                "TINYINT", "MEDIUMTEXT", "LONGTEXT", "DATETIME", "UNLOCK", "FULLTEXT", "SPATIAL", "KEY",
                "CONVERT", "CHARACTER", "RENAME"}


def detect(text: str, filename: str) -> str:
    """'postgres' when PostgreSQL's grammar reads the file; 'mysql' when it does not and the file speaks MySQL
    (backquotes, MODIFY, AUTO_INCREMENT, ALGORITHM=…); otherwise PostgreSQL's parse error with its position."""
    from pglast.parser import ParseError, parse_sql

    from dbsage.tools.migrations.lint import postgres_parse

    try:
        parse_sql(text)
        return "postgres"
    except ParseError:
        pass
    if _speaks_mysql(text):
        return "mysql"
    postgres_parse.parse(text, filename)  # raises the DbsageError with line:column
    return "postgres"


def _speaks_mysql(text: str) -> bool:
    from sqlglot.dialects.mysql import MySQL
    from sqlglot.errors import TokenError

    try:
        tokens = MySQL().tokenize(text)
    except TokenError:
        return False
    return any(text[t.start:t.start + 1] == "`" or t.text.upper() in _MYSQL_WORDS for t in tokens)
