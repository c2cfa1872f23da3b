"""What a guarded statement reads, judged at run time: a view runs its stored definition, and a table with row-level
security runs its policies' expressions, so the guard's rules must see those too (the statement's text names only
`some_view`).

Inside the guarded session (same search_path as the statement), the relations the statement names are resolved;
each view's definition (pg_get_viewdef) goes through the same parse-level guard as a statement, views over views are
followed through pg_depend level by level up to MAX_VIEW_DEPTH, and every policy that applies to SELECT is judged
as an expression. The names these definitions use unqualified are then checked for shadowing like the statement's
own. A refusal names the view (or the table and policy).

Not judged, on purpose: materialized views (stored data; reading them does not run their definition), server-shipped
views in pg_catalog/information_schema and extension-owned views (trusted like built-in and extension functions),
rules other than a view's ON SELECT rule (they fire only on writes, which the guard allows only as plan-only
EXPLAIN). A foreign table runs its wrapper's code when read; that is the wrapper's job (a superuser created it).
"""

from __future__ import annotations

from typing import Any

import psycopg

from dbsage.tools.engines.postgres.sqlfiles import load as _sql
from dbsage.tools.errors import GuardRefusal
from dbsage.tools.guard import GuardedStatement
from dbsage.tools.guard.postgres import check_postgres

MAX_VIEW_DEPTH = 16  # views over views deeper than this are refused rather than judged halfway
MAX_RELATIONS = 2_000  # a bound on the catalog work one statement can cause
_HINT = "read the underlying tables directly, or ask the owner to take that call out of it"


def judged_reads(cur: psycopg.Cursor[Any], statement: GuardedStatement) -> list[tuple[str, GuardedStatement]]:
    """(what runs, its guarded form) for every view definition and SELECT policy the statement reaches; raises
    GuardRefusal naming the view or policy whose code the guard refuses."""
    judged: list[tuple[str, GuardedStatement]] = []
    seen: set[int] = set()
    via: dict[int, str] = {}  # relation → the view the statement reaches it through, for the refusal's wording
    names: list[str] = list(statement.relations)
    oids: list[int] = []
    for depth in range(MAX_VIEW_DEPTH + 1):
        if not names and not oids:
            return judged
        cur.execute(_sql("read_relations"), {"names": names, "oids": oids})
        rows = [row for row in cur.fetchall() if row[0] not in seen]
        seen.update(row[0] for row in rows)
        if len(seen) > MAX_RELATIONS:
            raise GuardRefusal(f"the statement reaches more than {MAX_RELATIONS:,} relations through views",
                               "read the underlying tables directly")
        names, oids = [], []
        for oid, kind, name, trusted, definition, reads, policies in rows:
            if trusted:
                continue
            through = f" (read through {via[oid]})" if oid in via else ""
            for policy, expression in policies or ():
                what = f"row-level security policy {policy} on {name}{through}"
                judged.append((what, _judge(what, f"SELECT 1 WHERE {expression}")))
            if kind == "v" and definition is not None:
                if depth == MAX_VIEW_DEPTH:
                    raise GuardRefusal(f"view {name} nests views more than {MAX_VIEW_DEPTH} levels deep; dbsage "
                                       "does not judge what it cannot follow to the end", "read a shallower view")
                judged.append((f"view {name}{through}", _judge(f"view {name}{through}", definition)))
                for child in reads or ():
                    via.setdefault(child, f"{via[oid]} → {name}" if oid in via else name)
                    oids.append(child)
    return judged


def _judge(what: str, sql: str) -> GuardedStatement:
    try:
        accepted = check_postgres(sql.strip().rstrip(";"))
    except GuardRefusal as refusal:
        raise GuardRefusal(f"{what} runs what dbsage refuses: {refusal.message}", _HINT) from None
    if accepted.kind != "select":
        raise GuardRefusal(f"{what} is not a plain query ({accepted.kind})", "read the underlying tables directly")
    return accepted
