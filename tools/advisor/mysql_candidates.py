"""Index candidates for MySQL/MariaDB: the advisor's own access analysis and candidate rules (equality, then range,
then sort; joins; covering), read through sqlglot's MySQL→PostgreSQL transpiler, then turned into what InnoDB can
build — plain B-tree key parts (a covering index is the same index with the read columns appended, since InnoDB has
no INCLUDE), prefix lengths for long strings, no partial or expression indexes — and the DDL that builds it online.

Pure functions (sqlglot only): the engine supplies the schema; tests feed them statements and column types.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

import sqlglot
from pydantic import BaseModel, ConfigDict, Field
from sqlglot import exp
from sqlglot.errors import SqlglotError

from dbsage.tools.advisor.access import SchemaMap, TableAccess, analyze
from dbsage.tools.advisor.candidate import IndexCandidate, IndexKey
from dbsage.tools.advisor.candidates import generate
from dbsage.tools.schema import SchemaSnapshot

MAX_KEY_PARTS = 5  # a wider index costs more on every write than the reads it saves, as a rule
PREFIX_CHARS = 191  # 191 × 4 bytes (utf8mb4) fits InnoDB's 767-byte key limit on old row formats
LONG_STRING = 255  # a longer string column is indexed by a prefix: most of its selectivity, a fraction of the size
_TEXT = re.compile(r"^(tiny|medium|long)?(text|blob)\b", re.I)
_VARCHAR = re.compile(r"^(var)?(char|binary)\((\d+)\)", re.I)
_UNSORTED = re.compile(r"^(json|geometry|point|polygon)", re.I)


class MySQLIndex(BaseModel):
    """An index InnoDB can build: key parts, each `column` or `column(prefix)`."""

    model_config = ConfigDict(frozen=True)

    schema_name: str
    table: str
    parts: tuple[str, ...]
    covering: bool = Field(False, description="holds every column the statement reads: no row lookups")

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(p.split("(")[0] for p in self.parts)

    @property
    def name(self) -> str:
        words = "_".join(re.sub(r"[^a-z0-9]+", "_", c.lower()) for c in self.columns)
        return f"{self.table}_{words}_idx"[:64]

    @property
    def kind(self) -> str:
        kind = "composite" if len(self.parts) > 1 else "single-column"
        if any("(" in p for p in self.parts):
            kind += ", prefix"
        return kind + (", covering" if self.covering else "")

    def _target(self) -> str:
        return f"`{self.schema_name}`.`{self.table}`"

    def key_sql(self) -> str:
        """The key parts as ADD INDEX takes them: `a`, `b`(191)."""
        return ", ".join(f"`{p.split('(')[0]}`" + (f"({p.split('(')[1]}" if "(" in p else "") for p in self.parts)

    def create_sql(self, online: bool = True) -> str:
        lock = ", ALGORITHM=INPLACE, LOCK=NONE" if online else ""
        return f"ALTER TABLE {self._target()} ADD INDEX `{self.name}` ({self.key_sql()}){lock};"

    def drop_sql(self, online: bool = True) -> str:
        lock = ", ALGORITHM=INPLACE, LOCK=NONE" if online else ""
        return f"ALTER TABLE {self._target()} DROP INDEX `{self.name}`{lock};"


def to_postgres(sql: str) -> str:
    """The statement in the dialect the shared access analysis reads (`?` placeholders become parameters)."""
    try:
        return sqlglot.transpile(sql, read="mysql", write="postgres")[0]
    except (SqlglotError, IndexError) as exc:
        raise ValueError(f"cannot analyse the statement: {str(exc).splitlines()[0][:200]}") from None


def accesses_of(sql: str, schema: SchemaMap, database: str) -> list[TableAccess]:
    """What each table reference of a MySQL statement filters, joins, sorts and reads (ValueError if unreadable).

    The shared analysis reads PostgreSQL, which folds unquoted names to lower case; MySQL keeps a table's name as
    created (`Invoice`) and matches columns in any case. So the analysis runs on folded names, and the accesses
    come back with the names as the catalog spells them, which the DDL needs."""
    tables = {(s.lower(), t.lower()): (s, t) for s, by_table in schema.items() for t in by_table}
    columns = {(s.lower(), t.lower()): {c.lower(): c for c in cols} for s, by_table in schema.items()
               for t, cols in by_table.items()}
    folded: SchemaMap = {}
    for s, by_table in schema.items():
        for t, cols in by_table.items():
            folded.setdefault(s.lower(), {})[t.lower()] = {c.lower(): kind for c, kind in cols.items()}
    accesses = analyze(to_postgres(sql), folded, default_schema=database.lower())
    return [_as_cataloged(a, tables, columns) for a in accesses]


def _as_cataloged(access: TableAccess, tables: dict[tuple[str, str], tuple[str, str]],
                  columns: dict[tuple[str, str], dict[str, str]]) -> TableAccess:
    key = (access.schema_name.lower(), access.table.lower())
    if key not in tables:
        return access
    names = columns.get(key, {})

    def real(k: IndexKey) -> IndexKey:
        return k if k.expression else k.model_copy(update={"sql": names.get(k.sql.lower(), k.sql)})

    schema_name, table = tables[key]
    return replace(access, schema_name=schema_name, table=table,
                   equality=[real(k) for k in access.equality], joins=[real(k) for k in access.joins],
                   ranges=[real(k) for k in access.ranges], order=[real(k) for k in access.order],
                   group=[real(k) for k in access.group],
                   columns=[names.get(c.lower(), c) for c in access.columns])


def key_part(column: str, column_type: str | None) -> str | None:
    """`column`, `column(N)` for a long string, or None when a B-tree cannot index it."""
    kind = (column_type or "").strip()
    if _UNSORTED.match(kind):
        return None
    if _TEXT.match(kind):
        return f"{column}({PREFIX_CHARS})"
    match = _VARCHAR.match(kind)
    if match and int(match[3]) > LONG_STRING:
        return f"{column}({PREFIX_CHARS})"
    return column


def to_mysql(candidate: IndexCandidate, types: dict[str, str]) -> MySQLIndex | None:
    """The InnoDB form of a shared candidate; None for what InnoDB cannot build (partial, expression keys)."""
    if candidate.where or any(k.expression for k in candidate.keys):
        return None
    columns = [k.sql for k in candidate.keys] + [c for c in candidate.include if c not in candidate.key_columns()]
    if len(columns) > MAX_KEY_PARTS:
        return None
    parts = [key_part(c, types.get(c)) for c in columns]
    if any(p is None for p in parts):
        return None
    return MySQLIndex(schema_name=candidate.schema_name, table=candidate.table, parts=tuple(p for p in parts if p),
                      covering=bool(candidate.include))


def mysql_candidates(accesses: dict[str, list[TableAccess]], schema: SchemaSnapshot,
                     types: dict[str, dict[str, str]]) -> dict[MySQLIndex, set[str]]:
    """Candidates for the workload, each with the ids of the statements that suggested it; `types` is
    table key (schema.table) → column → column type."""
    found: dict[MySQLIndex, set[str]] = {}
    for candidate, statements in generate(accesses, schema).items():
        index = to_mysql(candidate, types.get(candidate.table_key, {}))
        if index is not None and not served_by_existing(index, schema):
            found.setdefault(index, set()).update(statements)
    return found


def served_by_existing(index: MySQLIndex, schema: SchemaSnapshot) -> bool:
    """An existing index already starts with these columns: the candidate adds nothing."""
    table = schema.find(f"{index.schema_name}.{index.table}")
    if table is None:
        return False
    wanted = [c.lower() for c in index.columns]
    return any([c.lower() for c in existing.columns][: len(wanted)] == wanted for existing in table.indexes)


def ranked(suggested: dict[MySQLIndex, set[str]], weights: dict[str, float],
           max_indexes: int | None = None) -> list[tuple[MySQLIndex, set[str]]]:
    """For each statement (heaviest first) the widest plain candidate it suggested — equality, then range or sort —
    once; an index that a chosen one already leads with is not repeated. Covering variants are left to a
    verification that can show they pay for their size."""
    plain = [i for i in suggested if not i.covering]
    picked: list[tuple[MySQLIndex, set[str]]] = []
    statements = sorted({q for i in plain for q in suggested[i]}, key=lambda q: (-weights.get(q, 1.0), q))
    for statement in statements:
        own = [i for i in plain if statement in suggested[i]]
        best = max(own, key=lambda i: (len(i.parts), sum(weights.get(q, 1.0) for q in suggested[i]), i.name))
        if any(_leads(chosen, best) for chosen, _ in picked):
            continue
        picked = [(c, h) for c, h in picked if not _leads(best, c)]  # a wider index replaces its own prefix
        picked.append((best, {q for q in suggested[best]}))
        if max_indexes is not None and len(picked) >= max_indexes:
            break
    return picked


def _leads(chosen: MySQLIndex, index: MySQLIndex) -> bool:
    return (chosen.schema_name, chosen.table) == (index.schema_name, index.table) \
        and chosen.columns[: len(index.columns)] == index.columns


def split_statements(text: str) -> list[str]:
    """`;`-separated MySQL statements (backticks, MySQL strings and comments understood by sqlglot's tokenizer)."""
    try:
        parsed = [s for s in sqlglot.parse(text, read="mysql") if s is not None]
    except SqlglotError:
        return [p.strip() for p in text.split(";") if p.strip()]
    return [s.sql(dialect="mysql") for s in parsed]


def unique_tables(indexes: Iterable[MySQLIndex]) -> list[tuple[str, str]]:
    return sorted({(i.schema_name, i.table) for i in indexes})


def bind_placeholders(sql: str, sample: Callable[[str | None, str], object | None]) -> str:
    """A normalized statement (`?` for every constant, as performance_schema's digests write it) made plannable:
    each `?` compared with a column becomes a real value of that column (`sample(table or alias, column)`), a
    LIMIT/OFFSET `?` becomes 20/0, any other `?` becomes 1. The plan is then the one for a typical value."""
    try:
        tree = sqlglot.parse_one(sql, read="mysql")
    except SqlglotError as exc:
        raise ValueError(f"cannot read the statement: {str(exc).splitlines()[0][:200]}") from None
    for placeholder in list(tree.find_all(exp.Placeholder)):
        placeholder.replace(_value_for(placeholder, sample))
    return tree.sql(dialect="mysql")


def _value_for(placeholder: exp.Expr, sample: Callable[[str | None, str], object | None]) -> exp.Expr:
    parent = placeholder.parent
    if isinstance(parent, exp.Limit):
        return exp.Literal.number(20)
    if isinstance(parent, exp.Offset):
        return exp.Literal.number(0)
    holder = parent.parent if isinstance(parent, exp.Tuple) else parent
    if isinstance(holder, (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In, exp.Like, exp.Between)):
        column = next((c for c in holder.find_all(exp.Column)), None)
        if column is not None:
            value = sample(column.table or None, column.name)
            if value is not None:
                return exp.Literal.number(value) if isinstance(value, (int, float)) \
                    else exp.Literal.string(str(value))
    return exp.Literal.number(1)
