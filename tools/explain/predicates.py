"""Read the columns out of a plan's filter text (`((status = 'x'::text) AND (total > '5'::numeric))`) with sqlglot.

Used to name the index that would serve a filter: equality columns first, then range columns, as a B-tree wants.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

_EQUALITY = (exp.EQ, exp.In, exp.Is)
_RANGE = (exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between, exp.Like)


@dataclass(frozen=True)
class PredicateColumns:
    equality: list[str]
    ranges: list[str]
    wrapped: list[str]  # columns seen only inside a function or cast: a plain index on them would not serve

    @property
    def index_columns(self) -> list[str]:
        return list(dict.fromkeys(self.equality + self.ranges))


def parse_condition(text: str) -> exp.Expr | None:
    try:
        return sqlglot.parse_one(text, read="postgres")
    except SqlglotError:
        return None


def _bare_column(side: exp.Expr) -> str | None:
    """The column name when `side` is a bare column (parentheses allowed), else None."""
    while isinstance(side, exp.Paren):
        side = side.this
    return side.name.lower() if isinstance(side, exp.Column) else None


def _constant(side: exp.Expr) -> bool:
    return not list(side.find_all(exp.Column))


def predicate_columns(text: str | None) -> PredicateColumns:
    """Columns compared to constants in a filter/condition; columns compared to other columns are join keys."""
    equality: list[str] = []
    ranges: list[str] = []
    wrapped: list[str] = []
    tree = parse_condition(text) if text else None
    if tree is None:
        return PredicateColumns([], [], [])
    for node in tree.find_all(*_EQUALITY, *_RANGE):
        left, right = node.this, node.expression if not isinstance(node, exp.In) else None
        column = _bare_column(left)
        others = [right] if right is not None else list(node.expressions)
        if isinstance(node, exp.Between):
            others = [node.args["low"], node.args["high"]]
        if not all(o is None or _constant(o) for o in others):
            continue
        if column is None:
            wrapped += [c.name.lower() for c in left.find_all(exp.Column)]
        elif isinstance(node, _EQUALITY):
            equality.append(column)
        else:
            ranges.append(column)
    return PredicateColumns(list(dict.fromkeys(equality)), list(dict.fromkeys(ranges)), list(dict.fromkeys(wrapped)))


def join_columns(text: str | None) -> list[str]:
    """Columns on both sides of column = column conditions (join keys), bare names."""
    tree = parse_condition(text) if text else None
    if tree is None:
        return []
    found: list[str] = []
    for node in tree.find_all(exp.EQ):
        for side in (node.this, node.expression):
            name = _bare_column(side)
            if name:
                found.append(name)
    return list(dict.fromkeys(found))
