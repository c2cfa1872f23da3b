"""Insights for MySQL/MariaDB plans: each rule looks at one table access (or the statement text), says in plain
words what is slow and why, and drafts the fix — `ALTER TABLE … ADD INDEX …, ALGORITHM=INPLACE, LOCK=NONE`, a
column change or a rewrite — for a person to review; dbsage never runs it.

Rules: full scan of a big table; an index that exists but cannot be used (function on the column, implicit type or
character-set/collation conversion, leading wildcard, OR across columns); filesort / temporary table and the index
that removes them; rows examined vs returned; join buffer (no index for the join, with the join order); a composite
index used by its first column only; COUNT(*) as an existence check; OFFSET pagination.
"""

from __future__ import annotations

import re

import sqlglot
from pydantic import BaseModel, Field
from sqlglot import exp
from sqlglot.errors import SqlglotError

from dbsage.tools.explain.insights import Insight
from dbsage.tools.explain.mysql_plan import FULL_SCANS, MySQLNode, table_accesses

BIG_TABLE_ROWS = 10_000
WASTE_SHARE = 0.01  # an access that keeps under 1% of the rows it examines wastes most of its reads
LARGE_OFFSET = 1_000
_CONVERT = re.compile(r"convert\((?:`?(\w+)`?\.)?`?(\w+)`? using (\w+)\)", re.I)
_WRAPPED = re.compile(r"\b(\w+)\((?:`?(\w+)`?\.)?`?(\w+)`?\)")
_TEXT_TYPES = ("char", "varchar", "text", "tinytext", "mediumtext", "longtext", "enum", "set")


class MySQLColumnFacts(BaseModel):
    name: str
    column_type: str = Field(description="as SHOW CREATE TABLE spells it: varchar(32), int unsigned …")
    data_type: str
    nullable: bool = True
    charset: str | None = None
    collation: str | None = None


class MySQLIndexFacts(BaseModel):
    name: str
    columns: list[str]
    unique: bool = False


class MySQLTableFacts(BaseModel):
    schema_name: str
    name: str
    rows: int = 0
    columns: list[MySQLColumnFacts] = Field(default_factory=list)
    indexes: list[MySQLIndexFacts] = Field(default_factory=list)

    def column(self, name: str) -> MySQLColumnFacts | None:
        return next((c for c in self.columns if c.name.lower() == name.lower()), None)

    def index(self, name: str | None) -> MySQLIndexFacts | None:
        return next((i for i in self.indexes if name and i.name.lower() == name.lower()), None)

    def leads_an_index(self, column: str) -> MySQLIndexFacts | None:
        return next((i for i in self.indexes if i.columns and i.columns[0].lower() == column.lower()), None)


class MySQLExplainContext(BaseModel):
    """What the rules may know beyond the plan, read by the engine from information_schema."""

    tables: list[MySQLTableFacts] = Field(default_factory=list)
    aliases: dict[str, str] = Field(default_factory=dict, description="alias (as the plan shows it) → table")
    online_ddl: bool = Field(True, description="the server takes ALGORITHM=INPLACE, LOCK=NONE for ADD INDEX")
    join_order: list[str] = Field(default_factory=list, description="tables in the plan's order (set by the rules)")

    def table_of(self, node: MySQLNode) -> MySQLTableFacts | None:
        shown = (node.table or "").lower()
        real = self.aliases.get(shown, shown).lower()
        return next((t for t in self.tables if t.name.lower() == real), None)

    def add_index_sql(self, table: MySQLTableFacts | None, fallback: str, columns: list[str]) -> str:
        name = table.name if table else fallback
        target = f"`{table.schema_name}`.`{table.name}`" if table else f"`{fallback}`"
        index = f"{name}_{'_'.join(columns)}_idx"[:64]
        online = ", ALGORITHM=INPLACE, LOCK=NONE" if self.online_ddl else ""
        return f"ALTER TABLE {target} ADD INDEX `{index}` ({', '.join(f'`{c}`' for c in columns)}){online};"


def _insight(node: MySQLNode | None, **fields: object) -> Insight:
    return Insight(node_id=node.id if node else None, node=node.label if node else None, **fields)


def _parse(text: str | None) -> exp.Expr | None:
    if not text:
        return None
    try:
        return sqlglot.parse_one(text, read="mysql")
    except SqlglotError:
        return None


def condition_columns(text: str | None) -> tuple[list[str], list[str]]:
    """(equality columns, range columns) compared bare in an attached condition, in the order written."""
    tree = _parse(text)
    if tree is None:
        return [], []
    equality: list[str] = []
    ranges: list[str] = []
    for node in tree.walk():
        bucket = equality if isinstance(node, (exp.EQ, exp.In, exp.Is)) else (
            ranges if isinstance(node, (exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between, exp.Like)) else None)
        if bucket is None:
            continue
        side = node.this
        if isinstance(side, exp.Column) and not isinstance(node.expression, exp.Column) \
                and side.name not in equality + ranges:
            bucket.append(side.name)
    return equality, ranges


def _or_columns(text: str | None) -> list[str]:
    tree = _parse(text)
    ors = [n for n in tree.walk() if isinstance(n, exp.Or)] if tree is not None else []
    if not ors:
        return []
    top = ors[0]
    return sorted({c.name for c in top.find_all(exp.Column)})


# -- rules over one table access ---------------------------------------------------------------------------------


def unusable_index(node: MySQLNode, ctx: MySQLExplainContext) -> Insight | None:
    """An index on the filtered column exists, yet the access cannot use it: say which spelling prevents it."""
    if node.kind != "table" or not node.condition:
        return None
    if node.access_type not in FULL_SCANS | {"index"} and not node.join_buffer:
        return None
    table = ctx.table_of(node)
    if table is None:
        return None
    for check in (_charset_conversion, _wrapped_column, _implicit_cast, _leading_wildcard, _or_across):
        found = check(node, table, ctx)
        if found is not None:
            return found
    return None


def _charset_conversion(node: MySQLNode, table: MySQLTableFacts, ctx: MySQLExplainContext) -> Insight | None:
    match = _CONVERT.search(node.condition or "")
    if not match:
        return None
    column = table.column(match[2])
    index = table.leads_an_index(match[2])
    target_charset = match[3]
    other = re.search(r"=\s*(?:`?(\w+)`?\.)?`?(\w+)`?", (node.condition or "")[match.end():])
    other_table = ctx.table_of(MySQLNode(kind="table", table=other[1])) if other and other[1] else None
    other_column = other_table.column(other[2]) if other_table and other else None
    collation = other_column.collation if other_column else None
    fix = None
    if column is not None:
        null = "" if column.nullable else " NOT NULL"
        fix = (f"ALTER TABLE `{table.schema_name}`.`{table.name}` MODIFY `{column.name}` {column.column_type} "
               f"CHARACTER SET {target_charset}" + (f" COLLATE {collation}" if collation else "") + f"{null}, "
               "ALGORITHM=COPY;  -- rewrites the table: schedule it; or change the other side to match")
    return _insight(
        node, rule="mysql_charset_conversion", severity="high",
        title=f"join converts {table.name}.{match[2]} to {target_charset}, so its index cannot be used",
        detail=(f"{node.label}: the join compares {table.name}.{match[2]} "
                f"({column.charset if column else '?'} / {column.collation if column else '?'}) with a "
                f"{target_charset} column ({collation or 'another collation'}). The server converts every row of "
                f"{table.name} (condition {node.condition}), so "
                + (f"the index {index.name} on it " if index else "an index on it ")
                + "cannot serve the lookup and each probe reads the whole table. Give both columns the same "
                "character set and collation."),
        evidence={"condition": node.condition, "rows_examined": _round(node.examined),
                  "column_charset": column.charset if column else None,
                  "column_collation": column.collation if column else None, "other_collation": collation},
        fix=fix,
    )


def _wrapped_column(node: MySQLNode, table: MySQLTableFacts, ctx: MySQLExplainContext) -> Insight | None:
    for match in _WRAPPED.finditer(node.condition or ""):
        function, column = match[1].lower(), match[3]
        if function in ("convert", "cast") or table.column(column) is None:
            continue
        index = table.leads_an_index(column)
        if index is None:
            continue
        hint = (f"compare the bare column with a range (e.g. {column} >= '2025-01-01' AND {column} < '2026-01-01' "
                f"instead of YEAR({column}) = 2025)" if function in ("year", "date", "month", "to_days")
                else f"compare the bare column, or index the expression ({function}({column}))")
        return _insight(
            node, rule="mysql_function_on_indexed_column", severity="high" if _big(node, table) else "medium",
            title=f"{function}() on {table.name}.{column} hides its index {index.name}",
            detail=(f"{node.label} evaluates {match[0]} for every row: an index stores {column}, not "
                    f"{function}({column}), so {index.name} can only be read in full. {hint[0].upper()}{hint[1:]}."),
            evidence={"condition": node.condition, "index": index.name, "rows_examined": _round(node.examined)},
            fix=(f"-- MySQL 8.0.13+: ALTER TABLE `{table.schema_name}`.`{table.name}` ADD INDEX "
                 f"`{table.name}_{function}_{column}_idx` (({function}(`{column}`)));\n"
                 f"-- MariaDB: add a VIRTUAL column AS ({function}(`{column}`)) and index it; or rewrite as a range"),
        )
    return None


def _implicit_cast(node: MySQLNode, table: MySQLTableFacts, ctx: MySQLExplainContext) -> Insight | None:
    tree = _parse(node.condition)
    if tree is None:
        return None
    for cmp in tree.find_all(exp.EQ, exp.In):
        column = cmp.this
        if not isinstance(column, exp.Column):
            continue
        facts = table.column(column.name)
        values = [cmp.expression] if isinstance(cmp, exp.EQ) else list(cmp.expressions)
        numeric = [v for v in values if isinstance(v, exp.Literal) and not v.is_string]
        if facts is None or not numeric or facts.data_type.lower() not in _TEXT_TYPES:
            continue
        index = table.leads_an_index(column.name)
        if index is None:
            continue
        return _insight(
            node, rule="mysql_implicit_conversion", severity="high",
            title=f"{table.name}.{column.name} is text but compared with a number: its index is not used",
            detail=(f"{node.label}: {node.condition} compares the {facts.column_type} column with a number, so the "
                    f"server converts every value to a number first ('123', ' 123' and '0123' all match) and "
                    f"cannot use {index.name}. Quote the value."),
            evidence={"condition": node.condition, "column_type": facts.column_type, "index": index.name},
            fix=f"... WHERE {column.name} = '{numeric[0].this}'  -- a string literal, as the column holds",
        )
    return None


def _leading_wildcard(node: MySQLNode, table: MySQLTableFacts, ctx: MySQLExplainContext) -> Insight | None:
    match = re.search(r"`?(\w+)`?\s+like\s+'%", node.condition or "", re.I)
    if not match or table.leads_an_index(match[1]) is None:
        return None
    index = table.leads_an_index(match[1])
    return _insight(
        node, rule="mysql_leading_wildcard", severity="medium",
        title=f"LIKE '%…' on {table.name}.{match[1]} cannot use {index.name if index else 'its index'}",
        detail=(f"{node.label}: a pattern that starts with % has no fixed prefix to look up, so every row is read. "
                "Anchor the pattern (LIKE 'abc%'), search a reversed copy of the column for suffixes, or use a "
                "FULLTEXT index for words."),
        evidence={"condition": node.condition, "rows_examined": _round(node.examined)},
        fix=f"ALTER TABLE `{table.schema_name}`.`{table.name}` ADD FULLTEXT INDEX `{table.name}_{match[1]}_ft` "
            f"(`{match[1]}`);  -- then MATCH ({match[1]}) AGAINST (...)",
    )


def _or_across(node: MySQLNode, table: MySQLTableFacts, ctx: MySQLExplainContext) -> Insight | None:
    columns = _or_columns(node.condition)
    if len(columns) < 2:
        return None
    unindexed = [c for c in columns if table.leads_an_index(c) is None]
    fix = "\n".join(ctx.add_index_sql(table, table.name, [c]) for c in unindexed) or (
        "-- rewrite as SELECT … WHERE a = ? UNION SELECT … WHERE b = ?")
    return _insight(
        node, rule="mysql_or_across_columns", severity="medium",
        title=f"OR across {', '.join(columns)} makes the optimizer read all of {table.name}",
        detail=(f"{node.label}: one index cannot serve `{node.condition}`. With an index led by each column the "
                "optimizer can merge them (index_merge union), or the query can be split into a UNION of two "
                "indexed lookups."),
        evidence={"condition": node.condition, "columns": ", ".join(columns),
                  "unindexed": ", ".join(unindexed) or None},
        fix=fix,
    )


def full_scan(node: MySQLNode, ctx: MySQLExplainContext) -> Insight | None:
    if node.kind != "table" or node.access_type not in FULL_SCANS or node.join_buffer:
        return None
    table = ctx.table_of(node)
    if not _big(node, table):
        return None
    equality, ranges = condition_columns(node.condition)
    columns = list(dict.fromkeys(equality + ranges))
    if table is not None and columns and any(table.leads_an_index(c) for c in columns[:1]):
        return None  # an index is there; unusable_index says why it is not used
    examined, returned = node.examined or 0.0, node.returned
    detail = f"{node.label} reads all {examined:,.0f} rows"
    detail += f" and keeps about {returned:,.0f}" if returned is not None else ""
    detail += (f" (condition {node.condition})." if node.condition else " (no condition narrows it).")
    detail += (f" An index on ({', '.join(columns)}) — equality columns first, then the range — reads only the "
               "matching rows." if columns else " Without a WHERE on it, only a smaller result helps.")
    return _insight(
        node, rule="mysql_full_table_scan", severity="high" if columns else "medium",
        title=f"full table scan of {table.name if table else node.table}",
        detail=detail,
        evidence={"rows_examined": _round(examined), "rows_returned": _round(returned),
                  "condition": node.condition},
        fix=ctx.add_index_sql(table, node.table or "?", columns) if columns else None,
    )


def examined_vs_returned(node: MySQLNode, ctx: MySQLExplainContext) -> Insight | None:
    """An index access that reads many rows the attached condition then throws away (index lacks a column)."""
    if node.kind != "table" or node.access_type not in ("ref", "range", "index_merge", "ref_or_null"):
        return None
    examined, returned = node.examined or 0.0, node.returned
    if returned is None or examined < BIG_TABLE_ROWS or returned > examined * WASTE_SHARE:
        return None
    table = ctx.table_of(node)
    equality, ranges = condition_columns(node.condition)
    columns = list(dict.fromkeys([*node.used_key_parts, *equality, *ranges]))
    return _insight(
        node, rule="mysql_rows_examined_vs_returned", severity="medium",
        title=f"{node.key} finds {examined:,.0f} rows of {table.name if table else node.table}, "
              f"{returned:,.0f} are kept",
        detail=(f"{node.label} reads rows by ({', '.join(node.used_key_parts)}) and the condition "
                f"{node.condition} discards most of them. An index that also holds the filtered columns stops the "
                "reads at the matching rows."),
        evidence={"rows_examined": _round(examined), "rows_returned": _round(returned), "key": node.key},
        fix=ctx.add_index_sql(table, node.table or "?", columns) if len(columns) > len(node.used_key_parts) else None,
    )


def join_buffer(node: MySQLNode, ctx: MySQLExplainContext) -> Insight | None:
    if node.kind != "table" or not node.join_buffer or _CONVERT.search(node.condition or ""):
        return None  # a conversion is reported as such (the cause), not as a missing index
    table = ctx.table_of(node)
    join_columns = _join_columns(node)
    return _insight(
        node, rule="mysql_join_buffer", severity="high" if _big(node, table) else "medium",
        title=f"{table.name if table else node.table} is joined through a join buffer ({node.join_buffer})",
        detail=(f"{node.label}: no index serves the join condition {node.condition or ''}, so the server reads "
                f"{node.table} in full into a join buffer and compares every buffered row; the join order was "
                f"{_join_order(node, ctx)}. An index on the join column lets it look rows up instead."),
        evidence={"join_buffer": node.join_buffer, "rows_examined": _round(node.examined),
                  "condition": node.condition},
        fix=ctx.add_index_sql(table, node.table or "?", join_columns) if join_columns else None,
    )


def _join_columns(node: MySQLNode) -> list[str]:
    tree = _parse(node.condition)
    found = []
    for eq in tree.find_all(exp.EQ) if tree is not None else []:
        for side in (eq.this, eq.expression):
            if isinstance(side, exp.Column) and side.table.lower() == (node.table or "").lower():
                found.append(side.name)
    return found[:1]


def _join_order(node: MySQLNode, ctx: MySQLExplainContext) -> str:
    return " → ".join(ctx.join_order or [node.table or "?"])


def composite_first_column(node: MySQLNode, ctx: MySQLExplainContext) -> Insight | None:
    if node.kind != "table" or not node.key or not node.used_key_parts or not node.condition:
        return None
    table = ctx.table_of(node)
    index = table.index(node.key) if table else None
    if index is None or len(index.columns) <= len(node.used_key_parts):
        return None
    unused = index.columns[len(node.used_key_parts)]
    equality, ranges = condition_columns(node.condition)
    if unused not in node.condition and unused not in equality + ranges:
        return None
    return _insight(
        node, rule="mysql_composite_prefix_only", severity="medium",
        title=f"{index.name} ({', '.join(index.columns)}) is used by its first "
              f"{len(node.used_key_parts)} column(s) only",
        detail=(f"{node.label}: the condition also tests {unused}, the index's next column, but the lookup stops "
                f"at ({', '.join(node.used_key_parts)}) — typically a range or a function on an earlier column, or "
                f"a condition on {unused} the index cannot search. Put equality columns first, then the range."),
        evidence={"index_columns": ", ".join(index.columns), "used_key_parts": ", ".join(node.used_key_parts),
                  "condition": node.condition},
        fix=None,
    )


def sort_or_temporary(node: MySQLNode, ctx: MySQLExplainContext, sql_tree: exp.Expr | None) -> Insight | None:
    if node.kind not in ("filesort", "temporary_table", "ordering", "grouping", "duplicates_removal"):
        return None
    if not (node.using_filesort or node.using_temporary):
        return None
    tables = [n for n in node.walk() if n.kind == "table"]
    first = tables[0] if tables else None
    examined = sum(n.examined or 0.0 for n in tables)
    if examined < BIG_TABLE_ROWS:
        return None
    table = ctx.table_of(first) if first else None
    what = "Using temporary" if node.using_temporary else "Using filesort"
    columns: list[str] = []
    if first is not None:
        equality, _ranges = condition_columns(first.condition)
        columns = equality + _order_columns(sql_tree, node.using_temporary)
    fix = ctx.add_index_sql(table, first.table or "?", list(dict.fromkeys(columns))) if columns and first else None
    return _insight(
        node, rule="mysql_filesort" if not node.using_temporary else "mysql_temporary_table",
        severity="medium",
        title=f"{what}: {examined:,.0f} rows are {'grouped in a temporary table' if node.using_temporary else 'sorted'}"
              " after they are read",
        detail=(f"{node.label} collects the rows of {first.table if first else 'the join'} and then "
                f"{'groups' if node.using_temporary else 'sorts'} them"
                + (f" by {node.sort_key}" if node.sort_key else "") + ". An index whose columns are the equality "
                "filters followed by the ORDER BY / GROUP BY columns returns them already in order, so the "
                f"{'temporary table' if node.using_temporary else 'sort'} disappears (and a LIMIT stops early)."),
        evidence={"rows_sorted": _round(examined), "sort_key": node.sort_key},
        fix=fix,
    )


def _order_columns(tree: exp.Expr | None, grouping: bool) -> list[str]:
    if tree is None:
        return []
    clause = tree.args.get("group") if grouping else None
    clause = clause or tree.args.get("order")
    if clause is None:
        return []
    found = []
    for item in clause.expressions:
        target = item.this if isinstance(item, exp.Ordered) else item
        if isinstance(target, exp.Column):
            found.append(target.name)
    return found


# -- rules over the statement text -------------------------------------------------------------------------------


def count_existence(tree: exp.Expr | None, root: MySQLNode) -> Insight | None:
    if tree is None:
        return None
    for cmp in tree.find_all(exp.GT, exp.GTE, exp.NEQ):
        if isinstance(cmp.this, exp.Count) and isinstance(cmp.expression, exp.Literal) \
                and cmp.expression.this in ("0", "1"):
            node = next(iter(table_accesses(root)), root)
            return _insight(
                node, rule="mysql_count_existence_check", severity="medium",
                title="COUNT(*) used to test whether a row exists",
                detail=(f"`{cmp.sql(dialect='mysql')}` counts every matching row to answer yes or no; EXISTS "
                        "stops at the first one."),
                evidence={"expression": cmp.sql(dialect="mysql")},
                fix="SELECT EXISTS (SELECT 1 FROM … WHERE …);",
            )
    return None


def offset_pagination(tree: exp.Expr | None, root: MySQLNode) -> Insight | None:
    offset = tree.args.get("offset") if tree is not None else None
    if offset is None:
        return None
    value = offset.expression if isinstance(offset, exp.Offset) else offset
    try:
        skipped = int(value.this)
    except (AttributeError, TypeError, ValueError):
        return None
    if skipped < LARGE_OFFSET:
        return None
    node = next(iter(table_accesses(root)), root)
    # The fix names the query's own ORDER BY keys (the page continues after the last row seen on them).
    order = tree.args.get("order") if tree is not None else None
    ordered = list(order.expressions) if order is not None else []
    keys = [o.this.sql(dialect="mysql") for o in ordered] or ["id"]
    descending = bool(ordered) and all(o.args.get("desc") for o in ordered)
    direction, compare = (" DESC", "<") if descending else ("", ">")
    return _insight(
        node, rule="mysql_offset_pagination", severity="medium",
        title=f"OFFSET {skipped:,} reads and throws away {skipped:,} rows",
        detail=("Each page reads all the rows before it and discards them, so later pages get slower. Keyset "
                "pagination continues from the last row seen (WHERE sort_key < :last ORDER BY sort_key DESC LIMIT n) "
                "and reads only the page."),
        evidence={"offset": skipped},
        fix=(f"... WHERE ({', '.join(keys)}) {compare} (<last seen values>) ORDER BY "
             f"{', '.join(k + direction for k in keys)} LIMIT <page size>;  -- add a unique column to the keys when "
             "they can tie"),
    )


def _big(node: MySQLNode, table: MySQLTableFacts | None) -> bool:
    rows = max(node.examined or 0.0, float(table.rows) if table else 0.0)
    return rows >= BIG_TABLE_ROWS


def _round(value: float | None) -> int | None:
    return None if value is None else round(value)


TABLE_RULES = [unusable_index, full_scan, examined_vs_returned, join_buffer, composite_first_column]


def parse_statement(sql: str) -> exp.Expr | None:
    try:
        return sqlglot.parse_one(sql, read="mysql")
    except SqlglotError:
        return None


def aliases_of(tree: exp.Expr | None) -> dict[str, str]:
    """alias → table name for every table the statement names (the plan shows aliases)."""
    if tree is None:
        return {}
    return {t.alias_or_name.lower(): t.name for t in tree.find_all(exp.Table)}


def mysql_insights(root: MySQLNode, sql: str, ctx: MySQLExplainContext) -> list[Insight]:
    """Every rule over the plan and the statement; one insight per rule and node."""
    tree = parse_statement(sql)
    ctx.aliases = {**aliases_of(tree), **ctx.aliases}
    ctx.join_order = [n.table or "?" for n in table_accesses(root)]
    found: list[Insight] = []
    for node in root.walk():
        for rule in TABLE_RULES:
            insight = rule(node, ctx)
            if insight is not None:
                found.append(insight)
        sorted_ = sort_or_temporary(node, ctx, tree)
        if sorted_ is not None:
            found.append(sorted_)
    for text_rule in (count_existence, offset_pagination):
        insight = text_rule(tree, root)
        if insight is not None:
            found.append(insight)
    return found
