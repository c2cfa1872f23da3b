"""How a statement reaches each table: the predicates, joins, sort and grouping an index could serve (sqlglot).

The statement is qualified against the schema first, so every column knows its table; each query scope (main query,
subquery, CTE) is read on its own, and a column of an outer query counts as a value (a correlated parameter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, traverse_scope

from dbsage.tools.advisor.candidate import IndexKey, quote_ident

_PARAM_OR_STRING = re.compile(r"('(?:[^']|'')*')|\$(\d+)")
_TRUNC_UNIT = re.compile(r"DATE_TRUNC\('[A-Z]+'", re.I)
SchemaMap = dict[str, dict[str, dict[str, str]]]  # schema → table → column → type
_RANGE = (exp.GT, exp.GTE, exp.LT, exp.LTE)


@dataclass
class TableAccess:
    """What one reference to a table in one scope filters, joins, sorts and reads."""

    schema_name: str
    table: str
    equality: list[IndexKey] = field(default_factory=list)
    joins: list[IndexKey] = field(default_factory=list)
    ranges: list[IndexKey] = field(default_factory=list)
    order: list[IndexKey] = field(default_factory=list)
    group: list[IndexKey] = field(default_factory=list)
    constants: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    prefix_like: list[IndexKey] = field(default_factory=list)  # `col LIKE 'abc%'`: a range on the pattern's prefix
    literals: list[tuple[str, str]] = field(default_factory=list)  # `col = 'value'`: (column, constant as SQL)

    @property
    def table_key(self) -> str:
        return f"{self.schema_name}.{self.table}"

    def add(self, bucket: list[IndexKey], key: IndexKey) -> None:
        if all(k.sql != key.sql for k in bucket):
            bucket.append(key)


def analyze(sql: str, schema: SchemaMap, default_schema: str = "public") -> list[TableAccess]:
    """Every table access of `sql` with what an index could serve. Raises ValueError if sqlglot cannot read it."""
    try:
        tree = sqlglot.parse_one(_space_parameters(sql), dialect="postgres")
        tree = qualify(tree, dialect="postgres", db=default_schema, schema=schema,  # type: ignore[arg-type]
                       validate_qualify_columns=False, quote_identifiers=False, identify=False)
        scopes = traverse_scope(tree)
    except (SqlglotError, KeyError, AttributeError, RecursionError) as exc:
        raise ValueError(f"cannot analyse the statement: {str(exc).splitlines()[0][:200]}") from None
    accesses: list[TableAccess] = []
    for scope in scopes:
        accesses.extend(_scope_accesses(scope, schema, default_schema))
    return accesses


def _space_parameters(sql: str) -> str:
    """sqlglot's tokenizer reads `$2,$3` as a dollar-quoted string; a space after each `$n` avoids it."""
    return _PARAM_OR_STRING.sub(lambda m: m[1] or f"${m[2]} ", sql)


def _scope_accesses(scope: Scope, schema: SchemaMap, default_schema: str) -> list[TableAccess]:
    by_alias: dict[str, TableAccess] = {}
    for alias, source in scope.sources.items():
        if isinstance(source, exp.Table):
            schema_name = source.db or default_schema
            if source.name in schema.get(schema_name, {}):
                by_alias[alias] = TableAccess(schema_name=schema_name, table=source.name)
    if not by_alias:
        return []
    select = scope.expression
    for conjunct in _conjuncts(select, scope):
        _classify(conjunct, by_alias)
    _sort_keys(select, by_alias)
    for column in scope.columns:
        access = by_alias.get(column.table)
        if access is not None and column.name and column.name not in access.columns:
            access.columns.append(column.name)
    return list(by_alias.values())


def _conjuncts(select: exp.Expr, scope: Scope) -> list[exp.Expr]:
    found: list[exp.Expr] = []
    where = select.args.get("where")
    if where is not None:
        found.extend(where.this.flatten() if isinstance(where.this, exp.And) else [where.this])
    for join in select.args.get("joins") or []:
        on = join.args.get("on")
        if on is not None:
            found.extend(on.flatten() if isinstance(on, exp.And) else [on])
    return [c.unnest() for c in found]


def _aliases(node: exp.Expr) -> set[str]:
    return {c.table for c in node.find_all(exp.Column)}


def key_of(node: exp.Expr, alias: str) -> IndexKey | None:
    """An index key when `node` is a column of `alias` or an expression over only that alias' columns."""
    if isinstance(node, exp.Column):
        return IndexKey(sql=node.name) if node.table == alias and node.name else None
    if isinstance(node, exp.Paren):
        return key_of(node.this, alias)
    columns = list(node.find_all(exp.Column))
    if not columns or any(c.table != alias for c in columns):
        return None
    if not isinstance(node, exp.Func | exp.Cast | exp.Binary):
        return None  # a window, a CASE, a subquery: not something to index
    if node.find(exp.AggFunc, exp.Subquery, exp.Parameter, exp.Placeholder, exp.Window):
        return None
    bare = node.copy()
    for column in bare.find_all(exp.Column):
        column.set("table", None)
    text = bare.sql(dialect="postgres")
    # sqlglot spells date_trunc's unit in capitals; the planner matches an expression index only on equal constants.
    text = _TRUNC_UNIT.sub(lambda m: m[0].lower(), text)
    return IndexKey(sql=text, expression=True)


def _classify(pred: exp.Expr, by_alias: dict[str, TableAccess]) -> None:
    if isinstance(pred, exp.Like):
        for alias, access in by_alias.items():
            _prefix_like(pred, alias, access)
    if isinstance(pred, (exp.EQ | exp.In | exp.Between | exp.Is | exp.Not | exp.Column | exp.Boolean, _RANGE)):
        for alias, access in by_alias.items():
            _classify_for(pred, alias, access, set(by_alias))


def _classify_for(pred: exp.Expr, alias: str, access: TableAccess, local: set[str]) -> None:
    if isinstance(pred, exp.EQ | exp.In):
        _equality(pred, alias, access, local)
    elif isinstance(pred, _RANGE):
        for side, other in ((pred.this, pred.expression), (pred.expression, pred.this)):
            key = key_of(side, alias)
            if key is not None and alias not in _aliases(other):
                access.add(access.ranges, key)
    elif isinstance(pred, exp.Between):
        key = key_of(pred.this, alias)
        if key is not None and alias not in _aliases(pred.args["low"]) | _aliases(pred.args["high"]):
            access.add(access.ranges, key)
    else:
        constant = _constant_predicate(pred, alias)
        if constant and constant not in access.constants:
            access.constants.append(constant)


def _prefix_like(pred: exp.Like, alias: str, access: TableAccess) -> None:
    """`col LIKE 'abc%'` (a constant prefix): a B-tree can serve it as a range — with a pattern operator class
    unless the column's collation is C."""
    key, pattern = key_of(pred.this, alias), pred.expression
    if key is None or not isinstance(pattern, exp.Literal) or not pattern.is_string:
        return
    text = str(pattern.this)
    if text[:1] not in ("", "%", "_") and not pred.args.get("escape"):
        access.add(access.prefix_like, key)


def _literal_sql(node: exp.Expr) -> str | None:
    """A constant as SQL (`'paid'`, `5`, `-1`), or None when `node` is not one."""
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
        return f"-{node.this.this}"
    if isinstance(node, exp.Literal):
        return node.sql(dialect="postgres")
    return None


def _equality(pred: exp.Expr, alias: str, access: TableAccess, local: set[str]) -> None:
    if isinstance(pred, exp.In):
        key = key_of(pred.this, alias)
        if key is None:
            return
        values = pred.args.get("query") or pred.expressions
        others = set().union(*(_aliases(v) for v in values)) if isinstance(values, list) else _aliases(values)
        if alias not in others:
            access.add(access.joins if pred.args.get("query") else access.equality, key)
        return
    for side, other in ((pred.this, pred.expression), (pred.expression, pred.this)):
        key = key_of(side, alias)
        if key is None:
            continue
        other_aliases = _aliases(other)
        if alias in other_aliases:
            continue
        is_join = bool(other_aliases & local)
        access.add(access.joins if is_join else access.equality, key)
        literal = _literal_sql(other)
        if literal is not None and key.column and (key.column, literal) not in access.literals:
            access.literals.append((key.column, literal))
        if isinstance(other, exp.Boolean) and key.column:
            access.constants.append(f"{quote_ident(key.column)}" if other.this else f"NOT {quote_ident(key.column)}")


def _constant_predicate(pred: exp.Expr, alias: str) -> str | None:
    """`col IS NULL`, `col IS NOT NULL`, a boolean `col` or `NOT col`: a partial index can hold only those rows."""
    negate = isinstance(pred, exp.Not)
    inner = pred.this if negate else pred
    if isinstance(inner, exp.Paren):
        inner = inner.this
    if isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null):
        key = key_of(inner.this, alias)
        if key is not None and key.column:
            return f"{quote_ident(key.column)} IS {'NOT ' if negate else ''}NULL"
    if isinstance(inner, exp.Column) and inner.table == alias:
        return f"NOT {quote_ident(inner.name)}" if negate else quote_ident(inner.name)
    return None


def _sort_keys(select: exp.Expr, by_alias: dict[str, TableAccess]) -> None:
    named = {e.alias: e.this for e in select.expressions if isinstance(e, exp.Alias)} if isinstance(
        select, exp.Select) else {}
    for bucket in ("order", "group"):
        clause = select.args.get(bucket)
        if clause is not None:
            items = [_resolve_output_name(item, named) for item in clause.expressions]
            _same_table_keys(items, by_alias, bucket)


def _resolve_output_name(item: exp.Expr, named: dict[str, exp.Expr]) -> exp.Expr:
    """`ORDER BY created_at` may name an output column: sort by the expression behind it."""
    node = item.this if isinstance(item, exp.Ordered) else item
    if isinstance(node, exp.Column) and not node.table and node.name in named:
        if not isinstance(item, exp.Ordered):
            return named[node.name]
        resolved = item.copy()
        resolved.set("this", named[node.name].copy())
        return resolved
    return item


def _same_table_keys(items: list[exp.Expr], by_alias: dict[str, TableAccess], bucket: str) -> None:
    """ORDER BY / GROUP BY keys, kept only when every item is on the same table (one index can then serve them)."""
    for alias, access in by_alias.items():
        keys = [_sort_key(item, alias) for item in items]
        if keys and all(k is not None for k in keys):
            setattr(access, bucket, keys)


def _sort_key(item: exp.Expr, alias: str) -> IndexKey | None:
    node = item.this if isinstance(item, exp.Ordered) else item
    key = key_of(node, alias)
    descending = bool(isinstance(item, exp.Ordered) and item.args.get("desc"))
    return key.model_copy(update={"descending": descending}) if key is not None else None
