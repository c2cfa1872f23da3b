"""Type choices that cost a rewrite later: 32-bit keys, serial, varchar(n), timestamp without time zone, char(n),
and identifiers PostgreSQL silently truncates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast, enums
from pglast.parser import scan

from dbsage.tools.migrations.lint.rules import Hit, Parsed, rule
from dbsage.tools.migrations.lint.state import MigrationState

CT = enums.ConstrType
_INT32 = {"int4", "int2", "integer", "smallint", "serial", "serial4", "smallserial", "serial2", "int"}
_MYSQL_INT32 = {"INT", "INTEGER", "SMALLINT", "MEDIUMINT", "TINYINT"}


def _columns(p: Parsed) -> Iterator[tuple[Any, bool]]:
    """(ColumnDef, is the primary key) for CREATE TABLE and ALTER TABLE … ADD COLUMN."""
    node = p.node
    if isinstance(node, ast.CreateStmt):
        keys = {k.sval for c in node.tableElts or () if isinstance(c, ast.Constraint) and c.contype == CT.CONSTR_PRIMARY
                for k in c.keys or ()}
        for col in node.tableElts or ():
            if isinstance(col, ast.ColumnDef):
                yield col, col.colname in keys or _inline_pk(col)
    elif isinstance(node, ast.AlterTableStmt):
        for cmd in node.cmds or ():
            if cmd.subtype == enums.AlterTableType.AT_AddColumn:
                yield cmd.def_, _inline_pk(cmd.def_)


def _inline_pk(col: Any) -> bool:
    return any(isinstance(c, ast.Constraint) and c.contype in (CT.CONSTR_PRIMARY, CT.CONSTR_IDENTITY)
               for c in col.constraints or ())


def _type(col: Any) -> tuple[str, int]:
    return (col.typeName.names[-1].sval.lower(), len(col.typeName.typmods or ())) if col.typeName else ("", 0)


@rule("prefer-bigint-key", family="types", severity="warning", dialects=("postgres", "mysql"),
      squawk=("prefer-bigint-over-int", "prefer-bigint-over-smallint", "prefer-big-int"),
      summary="a 32-bit (or smaller) key runs out at 2.1 billion, and widening it later rewrites a big table")
def bigint_key(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    if p.dialect == "postgres":
        for col, key in _columns(p):
            name, _ = _type(col)
            if key and name in _INT32:
                yield _key_hit(col.colname, name)
        return
    for spec_words in _mysql_column_words(p):
        if len(spec_words) > 1 and spec_words[1] in _MYSQL_INT32 and ("AUTO_INCREMENT" in spec_words
                                                                     or "PRIMARY" in spec_words):
            yield _key_hit(spec_words[0].strip("\x00"), spec_words[1].lower())


def _key_hit(column: str, type_name: str) -> Hit:
    return Hit(f"key column {column} is {type_name}: it runs out at ~2.1 billion values (smallint: 32767), and "
               "changing the type of a big table's key later means a rewrite and an outage",
               f"-- declare {column} as bigint (PostgreSQL: bigint GENERATED ALWAYS AS IDENTITY)")


def _mysql_column_words(p: Parsed) -> Iterator[list[str]]:
    node = p.node
    if node.verb == "CREATE" and "TABLE" in node.words[:4]:
        depth, current = 0, list[str]()
        for w in node.words:
            if w == "(":
                depth += 1
                if depth == 1:
                    continue
            elif w == ")":
                depth -= 1
            if depth == 1 and w == ",":
                yield current
                current = []
            elif depth >= 1:
                current.append(w)
        if current:
            yield current
    for spec in getattr(node, "specs", []):
        if spec.starts("ADD", "COLUMN"):
            yield spec.words[2:]


@rule("prefer-identity", family="types", severity="info", squawk=("prefer-identity",),
      summary="serial is a legacy shorthand; identity columns have clearer ownership and permissions")
def prefer_identity(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    for col, _ in _columns(p):
        if _type(col)[0] in ("serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"):
            yield Hit(f"{col.colname} uses {_type(col)[0]}: an identity column does the same with SQL-standard "
                      "semantics", f"{col.colname} bigint GENERATED ALWAYS AS IDENTITY")


@rule("prefer-text", family="types", severity="info", squawk=("prefer-text-field",),
      summary="varchar(n): raising n later is cheap, but lowering it rewrites; text + CHECK is easier to change")
def prefer_text(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    for col, _ in _columns(p):
        if _type(col) == ("varchar", 1):
            yield Hit(f"{col.colname} is varchar(n): a length limit as a CHECK (char_length(…) <= n) can be changed "
                      "with NOT VALID, a type cannot", f"{col.colname} text CHECK (char_length({col.colname}) <= …)")


@rule("prefer-timestamptz", family="types", severity="info", squawk=("prefer-timestamp-tz",),
      summary="timestamp without time zone drops the offset: instants from different zones become ambiguous")
def prefer_timestamptz(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    for col, _ in _columns(p):
        if _type(col)[0] == "timestamp":
            yield Hit(f"{col.colname} is timestamp without time zone: the UTC offset is dropped on write",
                      f"{col.colname} timestamptz")


@rule("char-field", family="types", severity="info", squawk=("ban-char-field",),
      summary="char(n) pads with spaces and is never faster than text")
def char_field(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    for col, _ in _columns(p):
        if _type(col)[0] == "bpchar":
            yield Hit(f"{col.colname} is char(n): values are blank-padded, comparisons surprise", f"{col.colname} text")


@rule("identifier-too-long", family="types", severity="warning", squawk=("identifier-too-long",),
      summary="identifiers longer than 63 bytes are silently truncated")
def identifier_too_long(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    # the parser has already cut the names to 63 bytes, so read them from the tokens
    sql = p.stmt.sql
    idents = [sql[t.start:t.end + 1].strip('"') for t in scan(sql) if t.name == "IDENT"]
    for name in dict.fromkeys(idents):
        if len(name.encode("utf-8")) > 63:
            yield Hit(f"{name[:40]}… is {len(name.encode('utf-8'))} bytes: PostgreSQL keeps the first 63, so later "
                      "statements that use the full name fail", "-- shorten the name to at most 63 bytes")


@rule("enum-value-ordering", family="types", severity="info", squawk=("require-enum-value-ordering",),
      summary="ADD VALUE without BEFORE/AFTER appends: ORDER BY on the enum follows declaration order")
def enum_ordering(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    if isinstance(node, ast.AlterEnumStmt) and node.newVal and not node.newValNeighbor and not node.oldVal:
        yield Hit(f"'{node.newVal}' goes at the end of the enum: sorting by it follows declaration order",
                  "-- add BEFORE '…' / AFTER '…' if the order matters")
