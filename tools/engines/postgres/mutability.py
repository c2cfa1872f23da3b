"""Can PostgreSQL build this index? Index keys and predicates may call only IMMUTABLE functions and operators.

`date_trunc('month', created_at)` is IMMUTABLE on `timestamp` but STABLE on `timestamptz` (it depends on the session's
time zone), so the answer depends on the argument types: each function, operator and cast of an expression key or
predicate is resolved against pg_proc / pg_operator / pg_cast with the types of its arguments (columns from
pg_attribute, constants by their kind, nested calls by their result type). When the types do not pin one overload,
every overload that fits must be IMMUTABLE: a candidate is rather left out than recommended and refused by the server.
The hypopg path also catches the server's own refusal when the candidate is created (whatif.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg

from dbsage.tools.advisor.candidate import IndexCandidate

_VOLATILITY = {"i": "IMMUTABLE", "s": "STABLE", "v": "VOLATILE"}
_UNKNOWN = "unknown"  # a quoted constant: PostgreSQL gives it the type the call needs

_FUNCTIONS = """
SELECT p.provolatile::text AS volatility, p.oid::regprocedure::text AS signature,
       p.prorettype::regtype::text AS returns,
       ARRAY(SELECT t::regtype::text FROM unnest(p.proargtypes) AS t) AS args
FROM pg_catalog.pg_proc p
WHERE p.proname = %s AND p.pronargs = %s AND pg_catalog.pg_function_is_visible(p.oid) AND p.prokind = 'f'
"""
_OPERATORS = """
SELECT p.provolatile::text AS volatility,
       format('%%s %%s %%s', o.oprleft::regtype, o.oprname, o.oprright::regtype) AS signature,
       o.oprresult::regtype::text AS returns, ARRAY[o.oprleft::regtype::text, o.oprright::regtype::text] AS args
FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_proc p ON p.oid = o.oprcode
WHERE o.oprname = %s AND o.oprkind = 'b' AND pg_catalog.pg_operator_is_visible(o.oid)
"""
_CAST = """
SELECT coalesce(p.provolatile::text, CASE c.castmethod WHEN 'b' THEN 'i' END) AS volatility
FROM pg_catalog.pg_cast c LEFT JOIN pg_catalog.pg_proc p ON p.oid = c.castfunc
WHERE c.castsource = to_regtype(%s) AND c.casttarget = to_regtype(%s)
UNION ALL  -- no cast row: an I/O conversion through the source's output and the target's input functions
SELECT CASE WHEN 'i' = ALL(ARRAY[o.provolatile, i.provolatile]) THEN 'i' ELSE 's' END
FROM pg_catalog.pg_type s JOIN pg_catalog.pg_proc o ON o.oid = s.typoutput,
     pg_catalog.pg_type t JOIN pg_catalog.pg_proc i ON i.oid = t.typinput
WHERE s.oid = to_regtype(%s) AND t.oid = to_regtype(%s)
LIMIT 1
"""
_COLUMNS = """
SELECT a.attname AS name, a.atttypid::regtype::text AS type FROM pg_catalog.pg_attribute a
WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped
"""


@dataclass
class _Check:
    conn: psycopg.Connection[Any]
    columns: dict[str, str]
    problems: list[str] = field(default_factory=list)

    def rows(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def overloads(self, kind: str, signature_rows: list[tuple[Any, ...]], args: list[str | None]) -> str | None:
        """Keep the overloads the known argument types fit; every one kept must be IMMUTABLE. Their result type."""
        exact = [r for r in signature_rows
                 if all(a in (None, _UNKNOWN) or a == have for a, have in zip(args, r[3], strict=False))]
        fitting = exact or signature_rows
        for volatility, signature, _, _ in fitting:
            if volatility != "i":
                self.problems.append(f"{kind} {signature} is {_VOLATILITY.get(volatility, volatility)}")
                break
        results = {r[2] for r in fitting}
        return results.pop() if len(results) == 1 else None

    def infer(self, node: Any) -> str | None:
        """The node's type when it can be told (None otherwise), recording every non-IMMUTABLE call on the way."""
        from pglast import ast
        from pglast.enums.parsenodes import A_Expr_Kind

        if isinstance(node, ast.ColumnRef):
            name = getattr((node.fields or (None,))[-1], "sval", None)
            return self.columns.get(str(name)) if name else None
        if isinstance(node, ast.A_Const):
            value = node.val
            if node.isnull or isinstance(value, ast.String):
                return _UNKNOWN
            return "integer" if isinstance(value, ast.Integer) else "numeric" if isinstance(value, ast.Float) else None
        if isinstance(node, ast.TypeCast):
            return self._cast(node)
        if isinstance(node, ast.FuncCall):
            args = [self.infer(a) for a in node.args or ()]
            name = str(getattr((node.funcname or (None,))[-1], "sval", ""))
            return self.overloads("function", self.rows(_FUNCTIONS, (name, len(args))), args)
        if isinstance(node, ast.A_Expr) and node.kind == A_Expr_Kind.AEXPR_OP and node.lexpr is not None:
            args = [self.infer(node.lexpr), self.infer(node.rexpr)]
            operator = str(getattr((node.name or (None,))[-1], "sval", ""))
            return self.overloads("operator", self.rows(_OPERATORS, (operator,)), args)
        if isinstance(node, ast.SQLValueFunction):
            self.problems.append("CURRENT_DATE/CURRENT_TIMESTAMP/… change with the session")
            return None
        for child in _children(node):
            self.infer(child)
        return "boolean" if isinstance(node, ast.BoolExpr | ast.NullTest | ast.BooleanTest) else None

    def _cast(self, node: Any) -> str | None:
        target = ".".join(str(n.sval) for n in node.typeName.names)
        source = self.infer(node.arg)
        if source in (None, _UNKNOWN):
            return target if source == _UNKNOWN else None  # a literal is converted once, when the index is built
        rows = self.rows(_CAST, (source, target, source, target))
        volatility = rows[0][0] if rows else None
        if volatility != "i":
            self.problems.append(f"the cast {source} → {target} is {_VOLATILITY.get(volatility or '', 'unknown')}")
        return target


def _children(node: Any) -> list[Any]:
    from pglast import ast

    found: list[Any] = []
    for slot in getattr(type(node), "__slots__", {}):
        value = getattr(node, slot, None)
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, ast.Node):
                found.append(item)
    return found


def not_immutable(conn: psycopg.Connection[Any], candidate: IndexCandidate) -> str | None:
    """Why PostgreSQL would refuse this candidate's expression keys or predicate, or None when it would build it."""
    from pglast import parse_sql
    from pglast.parser import ParseError

    parts = [k.sql for k in candidate.keys if k.expression] + ([candidate.where] if candidate.where else [])
    if not parts:
        return None
    check = _Check(conn, {})
    check.columns = {str(r[0]): str(r[1]) for r in check.rows(_COLUMNS, (candidate.qualified_table,))}
    for part in parts:
        try:
            target = parse_sql(f"SELECT {part}")[0].stmt.targetList[0].val  # type: ignore[union-attr]
        except (ParseError, AttributeError, IndexError, TypeError):
            return f"PostgreSQL cannot read {part!r} as an expression"
        check.infer(target)
        if check.problems:
            return (f"{check.problems[0]}: an index key or predicate may only use IMMUTABLE functions "
                    f"({part})")
    return None
