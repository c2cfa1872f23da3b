"""Query-text insights from a sqlglot parse: patterns visible in the SQL itself, whatever plan was chosen.

COUNT(*) used as an existence check, OFFSET pagination, functions or casts on indexed columns, NOT IN over a subquery
whose column may be NULL. Each is tied to the plan node that reads the table concerned (the root otherwise).
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from dbsage.tools.explain.context import ExplainContext, TableFacts
from dbsage.tools.explain.insights import Insight
from dbsage.tools.explain.plan import Plan, PlanNode

LARGE_OFFSET = 1_000
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
_INTEGER_TYPES = {"smallint", "integer", "bigint"}
_NON_INTEGER = {exp.DataType.Type.DECIMAL, exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT}


def parse(sql: str) -> exp.Expr | None:
    try:
        return sqlglot.parse_one(sql, read="postgres")
    except SqlglotError:
        return None  # the plan rules still run; the text rules need a parse


class _Scope:
    """Resolves a column to the table it belongs to, from the aliases in the statement and the catalog facts."""

    def __init__(self, tree: exp.Expr, context: ExplainContext) -> None:
        self.context = context
        self.tables = {t.alias_or_name.lower(): (t.name.lower(), t.db.lower()) for t in tree.find_all(exp.Table)}

    def table_of(self, column: exp.Column) -> TableFacts | None:
        if column.table:
            name, schema = self.tables.get(column.table.lower(), (column.table.lower(), ""))
            return self.context.table(f"{schema}.{name}" if schema else name)
        candidates = [self.context.table(name) for name, _ in self.tables.values()]
        owners = [t for t in candidates if t is not None and t.column(column.name)]
        return owners[0] if len(owners) == 1 else None


def _node_for(plan: Plan, table: TableFacts | None) -> PlanNode:
    if table is not None:
        for node in plan.nodes():
            if node.relation == table.name:
                return node
    return plan.root


def _insight(plan: Plan, table: TableFacts | None, **fields: object) -> Insight:
    node = _node_for(plan, table)
    return Insight(node_id=node.id, node=node.label, **fields)


def _is_count(side: exp.Expr) -> bool:
    if isinstance(side, exp.Subquery) and isinstance(side.this, exp.Select):
        projections = side.this.expressions
        return len(projections) == 1 and isinstance(projections[0].unalias(), exp.Count)
    return isinstance(side, exp.Count)


def _literal_int(side: exp.Expr) -> int | None:
    if isinstance(side, exp.Literal) and side.is_int:
        return int(side.this)
    return None


def _exists_rewrite(count_side: exp.Expr, cmp: exp.Expr) -> str:
    """EXISTS over the same FROM/WHERE as the count (NOT EXISTS for `= 0`)."""
    select = count_side.this if isinstance(count_side, exp.Subquery) else count_side.find_ancestor(exp.Select)
    source = select.args.get("from_") or select.args.get("from") if isinstance(select, exp.Select) else None
    if not isinstance(select, exp.Select) or source is None:
        return "SELECT EXISTS (SELECT 1 FROM ... WHERE ...);  -- same FROM/WHERE as the count"
    inner = exp.select("1").from_(source.this.copy())
    for join in select.args.get("joins") or []:
        inner = inner.join(join.copy())
    if select.args.get("where") is not None:
        inner = inner.where(select.args["where"].this.copy())
    negate = "NOT " if isinstance(cmp, exp.EQ | exp.LT) else ""
    prefix = "" if isinstance(count_side, exp.Subquery) else "SELECT "
    return f"{prefix}{negate}EXISTS ({inner.sql(dialect='postgres')})" + (";" if prefix else "")


def count_as_existence(tree: exp.Expr, plan: Plan, scope: _Scope) -> list[Insight]:
    found = []
    for cmp in tree.find_all(*_COMPARISONS):
        if cmp.find_ancestor(exp.Having):
            continue  # HAVING count(*) > 0 filters groups; it is not an existence test
        for count_side, other in ((cmp.this, cmp.expression), (cmp.expression, cmp.this)):
            if _is_count(count_side) and _literal_int(other) in (0, 1):
                found.append(_insight(
                    plan, None, rule="count_as_existence", severity="medium",
                    title="COUNT(*) used to test whether a row exists",
                    detail=(f"`{cmp.sql(dialect='postgres')}` counts every matching row only to compare the count "
                            "with 0/1. EXISTS stops at the first match."),
                    evidence={"expression": cmp.sql(dialect="postgres")[:200]},
                    fix=_exists_rewrite(count_side, cmp),
                ))
                break
    return found


def offset_pagination(tree: exp.Expr, plan: Plan, scope: _Scope) -> list[Insight]:
    found = []
    for offset in tree.find_all(exp.Offset):
        value = _literal_int(offset.expression)
        select = offset.parent
        order = select.args.get("order") if isinstance(select, exp.Select) else None
        ordered = list(order.expressions) if order is not None else []
        keys = [o.this.sql(dialect="postgres") for o in ordered] or ["id"]
        descending = bool(ordered) and all(o.args.get("desc") for o in ordered)
        direction, compare = (" DESC", "<") if descending else ("", ">")
        found.append(_insight(
            plan, None, rule="offset_pagination", severity="medium" if value is None or value >= LARGE_OFFSET
            else "low",
            title="OFFSET pagination",
            detail=(f"OFFSET {value if value is not None else offset.expression.sql()} makes the server produce and "
                    "throw away every skipped row, so each page is slower than the last. Keyset pagination "
                    "continues after the last row the client saw."),
            evidence={"offset": value},
            fix=(f"... WHERE ({', '.join(keys)}) {compare} (<last seen values>) ORDER BY "
                 f"{', '.join(k + direction for k in keys)} LIMIT <page size>;"),
        ))
    return found


def _expression_index_fix(table: TableFacts, text: str) -> str:
    name = table.name if table.schema_name == "public" else f"{table.schema_name}.{table.name}"
    if table.partition_key:  # PostgreSQL refuses CREATE INDEX CONCURRENTLY on a partitioned table
        return (f"CREATE INDEX ON {name} (({text}));  -- LOCKS WRITES on every partition while it builds; "
                f"without the lock: CREATE INDEX … ON ONLY {name}, then CREATE INDEX CONCURRENTLY on each "
                "partition and ALTER INDEX … ATTACH PARTITION")
    return f"CREATE INDEX CONCURRENTLY ON {name} (({text}));"


def _wrapped_column(side: exp.Expr) -> tuple[exp.Expr, exp.Column] | None:
    """(function, column) when `side` is a function or cast applied to exactly one column."""
    while isinstance(side, exp.Paren):
        side = side.this
    if isinstance(side, exp.Column | exp.Literal | exp.Subquery) or not isinstance(side, exp.Func):
        return None
    columns = list(side.find_all(exp.Column))
    return (side, columns[0]) if len(columns) == 1 else None


def _expression_indexed(table: TableFacts, function: exp.Expr, column: str) -> bool:
    if isinstance(function, exp.Anonymous):
        name = function.name.lower()
    else:
        name = function.sql_name().lower() if isinstance(function, exp.Func) else ""
    return any(name in key and column in key for keys in table.index_keys for key in keys)


def function_on_indexed_column(tree: exp.Expr, plan: Plan, scope: _Scope) -> list[Insight]:
    found = []
    for cmp in tree.find_all(*_COMPARISONS, exp.Like, exp.In):
        wrapped = _wrapped_column(cmp.this)
        if wrapped is None or (isinstance(cmp.expression, exp.Expr) and cmp.expression.find(exp.Column)):
            continue
        function, column = wrapped
        table = scope.table_of(column)
        name = column.name.lower()
        if table is None or not table.indexed(name) or _expression_indexed(table, function, name):
            continue
        if isinstance(function, exp.Cast):
            continue  # casts are the implicit-cast rule's business
        text = function.sql(dialect="postgres")
        found.append(_insight(
            plan, table, rule="function_on_indexed_column", severity="medium",
            title=f"function on indexed column {table.name}.{name}",
            detail=(f"`{cmp.sql(dialect='postgres')}` applies {text} to every row, so the index on {name} cannot be "
                    "used. Compare the bare column (e.g. a range instead of date()), or index the expression."),
            evidence={"predicate": cmp.sql(dialect="postgres")[:200], "column": name},
            fix=_expression_index_fix(table, text),
        ))
    return found


def _non_integer_value(side: exp.Expr) -> bool:
    if isinstance(side, exp.Literal) and side.is_number and not side.is_int:
        return True
    return isinstance(side, exp.Cast) and side.to.this in _NON_INTEGER


def implicit_cast(tree: exp.Expr, plan: Plan, scope: _Scope) -> list[Insight]:
    found = []
    for cmp in tree.find_all(*_COMPARISONS):
        for col_side, value in ((cmp.this, cmp.expression), (cmp.expression, cmp.this)):
            if not isinstance(col_side, exp.Column) or not _non_integer_value(value):
                continue
            table = scope.table_of(col_side)
            column = table.column(col_side.name) if table else None
            if table is None or column is None or column.type not in _INTEGER_TYPES or not table.indexed(column.name):
                continue
            found.append(_insight(
                plan, table, rule="implicit_cast", severity="medium",
                title=f"{table.name}.{column.name} ({column.type}) compared with a non-integer value",
                detail=(f"`{cmp.sql(dialect='postgres')}` makes PostgreSQL cast the column to numeric on every row, "
                        f"so the index on {column.name} cannot be used. Compare with a value of the column's type."),
                evidence={"predicate": cmp.sql(dialect="postgres")[:200], "column_type": column.type},
                fix=f"... WHERE {column.name} = CAST(<value> AS {column.type})",
            ))
    return found


def not_in_nullable(tree: exp.Expr, plan: Plan, scope: _Scope) -> list[Insight]:
    found = []
    for negation in tree.find_all(exp.Not):
        inner = negation.this
        query = inner.args.get("query") if isinstance(inner, exp.In) else None
        select = query.this if isinstance(query, exp.Subquery) else query
        if not isinstance(select, exp.Select) or len(select.expressions) != 1:
            continue
        projected = select.expressions[0].unalias()
        table = scope.table_of(projected) if isinstance(projected, exp.Column) else None
        column = table.column(projected.name) if table and isinstance(projected, exp.Column) else None
        if column is not None and column.not_null:
            continue  # NOT NULL: the result is right (the plan may still be a hashed subplan, which is fine)
        where = f"{table.name if table else '<table>'} AS sub WHERE sub.{projected.name} = " \
                f"{_outer_column(inner.this, negation)}"
        found.append(_insight(
            plan, table, rule="not_in_nullable_subquery", severity="high",
            title="NOT IN over a subquery whose column can be NULL",
            detail=(f"`{negation.sql(dialect='postgres')[:160]}`: if the subquery returns a single NULL, NOT IN is "
                    "never true and the query returns no rows; PostgreSQL also cannot turn it into an anti-join. "
                    "NOT EXISTS has neither problem."),
            evidence={"column": projected.sql(dialect="postgres"),
                      "nullable": "unknown" if column is None else "yes"},
            fix=f"... WHERE NOT EXISTS (SELECT 1 FROM {where})",
        ))
    return found


def _outer_column(column: exp.Expr, negation: exp.Expr) -> str:
    """The outer column of NOT IN, qualified with its table when the statement left it bare."""
    select = negation.find_ancestor(exp.Select)
    outer = select.find(exp.Table) if select else None
    if isinstance(column, exp.Column) and not column.table and outer is not None:
        return f"{outer.alias_or_name}.{column.name}"
    return column.sql(dialect="postgres")


TEXT_RULES = [count_as_existence, offset_pagination, function_on_indexed_column, implicit_cast, not_in_nullable]


def text_insights(sql: str, plan: Plan, context: ExplainContext) -> list[Insight]:
    tree = parse(sql)
    if tree is None:
        return []
    scope = _Scope(tree, context)
    return [insight for rule in TEXT_RULES for insight in rule(tree, plan, scope)]


def referenced_tables(sql: str) -> list[str]:
    """Table names the statement mentions (schema-qualified when written so), for the engine to describe."""
    tree = parse(sql)
    if tree is None:
        return []
    names = {f"{t.db}.{t.name}" if t.db else t.name for t in tree.find_all(exp.Table) if t.name}
    return sorted(names)
