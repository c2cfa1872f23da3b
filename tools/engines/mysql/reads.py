"""What a guarded statement reads, judged at run time (MySQL/MariaDB): a view runs its stored definition, so the
guard's rules must see it (the statement's text names only `some_view`).

The views among the relations a statement names are looked up in information_schema.VIEWS (an unqualified name in
the session's database); each VIEW_DEFINITION goes through the same parse-level guard as a statement, and views over
views are followed up to MAX_VIEW_DEPTH levels. The server-owned schemas (mysql, sys, information_schema,
performance_schema) are trusted like built-in functions. A definition the login may not see (information_schema
shows it only to the definer or with SHOW VIEW) is refused: the guard does not pass what it cannot inspect.
"""

from __future__ import annotations

from typing import Any

import pymysql
import pymysql.cursors

from dbsage.tools.errors import GuardRefusal
from dbsage.tools.guard import GuardedStatement
from dbsage.tools.guard.mysql import check_mysql

MAX_VIEW_DEPTH = 16
_TRUSTED_SCHEMAS = {"mysql", "sys", "information_schema", "performance_schema"}

_VIEWS = """SELECT LOWER(TABLE_SCHEMA), LOWER(TABLE_NAME), VIEW_DEFINITION FROM information_schema.VIEWS
WHERE (LOWER(TABLE_SCHEMA), LOWER(TABLE_NAME)) IN ({pairs})"""


def refuse_view_code(conn: pymysql.connections.Connection[Any], statement: GuardedStatement) -> None:
    """Raise GuardRefusal naming the view when a view the statement reads (directly or through other views) runs
    what the guard refuses."""
    wanted = set(statement.relations)
    if not wanted:
        return
    with conn.cursor(pymysql.cursors.Cursor) as cur:
        cur.execute("SELECT LOWER(DATABASE())")
        row = cur.fetchone()
        current = str(row[0]) if row and row[0] is not None else None
        via: dict[tuple[str, str], str] = {}
        seen: set[tuple[str, str]] = set()
        pending = _qualified(wanted, current)
        for depth in range(MAX_VIEW_DEPTH + 1):
            pending = [p for p in pending if p not in seen and p[0] not in _TRUSTED_SCHEMAS]
            if not pending:
                return
            seen.update(pending)
            cur.execute(_VIEWS.format(pairs=", ".join(["(%s, %s)"] * len(pending))),
                        [part for pair in pending for part in pair])
            found = list(cur.fetchall())
            if found and depth == MAX_VIEW_DEPTH:
                raise GuardRefusal(f"view {found[0][0]}.{found[0][1]} nests views more than {MAX_VIEW_DEPTH} "
                                   "levels deep; dbsage does not judge what it cannot follow to the end",
                                   "read a shallower view")
            pending = []
            for schema, name, definition in found:
                key = (str(schema), str(name))
                shown = f"view {key[0]}.{key[1]}" + (f" (read through {via[key]})" if key in via else "")
                inner = _judge(shown, str(definition or ""))
                for child in _qualified(set(inner.relations), key[0]):
                    via.setdefault(child, f"{via[key]} → {key[0]}.{key[1]}" if key in via else f"{key[0]}.{key[1]}")
                    pending.append(child)


def _qualified(relations: set[str], default_schema: str | None) -> list[tuple[str, str]]:
    pairs = []
    for relation in sorted(relations):
        schema, _, name = relation.rpartition(".")
        if schema or default_schema:
            pairs.append((schema or str(default_schema), name))
    return pairs


def _judge(shown: str, definition: str) -> GuardedStatement:
    if not definition.strip():
        raise GuardRefusal(f"{shown}: the login may not see its definition, so dbsage cannot judge what it runs",
                           "GRANT SHOW VIEW ON the view's database to this login, or read the tables directly")
    try:
        return check_mysql(definition)
    except GuardRefusal as refusal:
        raise GuardRefusal(f"{shown} runs what dbsage refuses: {refusal.message}",
                           "read the underlying tables directly, or ask the owner to take that call out of it") \
            from None
