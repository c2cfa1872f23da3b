"""One index the advisor may recommend: table, key parts, INCLUDE columns, partial predicate; its DDL spellings."""

from __future__ import annotations

import hashlib
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dbsage.tools.index_ddl import _PLAIN_IDENT, quote_ident  # the one PostgreSQL quoting rule (reserved words too)

_MAX_IDENT = 63  # PostgreSQL's NAMEDATALEN - 1


class IndexKey(BaseModel):
    """A key part: a column (`customer_id`) or an expression (`lower(email)`), optionally descending."""

    model_config = ConfigDict(frozen=True)

    sql: str = Field(description="column name (unquoted) or expression SQL")
    expression: bool = False
    descending: bool = False
    opclass: str | None = Field(default=None, description="operator class, e.g. text_pattern_ops for LIKE 'abc%'")

    def render(self) -> str:
        body = f"({self.sql})" if self.expression else quote_ident(self.sql)
        if self.opclass:
            body += f" {self.opclass}"
        return f"{body} DESC" if self.descending else body

    @property
    def column(self) -> str | None:
        return None if self.expression else self.sql


class IndexCandidate(BaseModel):
    """An index on one table (B-tree unless `method` says hash). Frozen and hashable: the search keeps sets of them."""

    model_config = ConfigDict(frozen=True)

    schema_name: str
    table: str
    keys: tuple[IndexKey, ...]
    include: tuple[str, ...] = ()
    where: str | None = Field(default=None, description="partial-index predicate, SQL")
    method: Literal["btree", "hash"] = Field(default="btree", description="hash: equality only, one key")

    @property
    def qualified_table(self) -> str:
        return f"{quote_ident(self.schema_name)}.{quote_ident(self.table)}"

    @property
    def table_key(self) -> str:
        return f"{self.schema_name}.{self.table}"

    @property
    def kind(self) -> str:
        parts = ["composite" if len(self.keys) > 1 else "single-column"]
        if any(k.expression for k in self.keys):
            parts.append("expression")
        if self.include:
            parts.append("covering")
        if self.where:
            parts.append("partial")
        if self.method != "btree":
            parts.append(self.method)
        if any(k.opclass for k in self.keys):
            parts.append("pattern (LIKE 'prefix%')")
        return ", ".join(parts)

    def body(self) -> str:
        """`ON table (keys) INCLUDE (...) WHERE ...` — shared by the real and the hypothetical DDL."""
        using = "" if self.method == "btree" else f" USING {self.method}"
        text = f"ON {self.qualified_table}{using} ({', '.join(k.render() for k in self.keys)})"
        if self.include:
            text += f" INCLUDE ({', '.join(quote_ident(c) for c in self.include)})"
        if self.where:
            text += f" WHERE {self.where}"
        return text

    @property
    def name(self) -> str:
        words = [re.sub(r"[^a-z0-9]+", "_", k.sql.lower()).strip("_") + ("_pattern" if k.opclass else "")
                 for k in self.keys]
        if self.method != "btree":
            words.append(self.method)
        if self.where:
            words.append("partial")
            if re.search(r"[='<>]", self.where):  # `status = 'new'` and `status = 'paid'` must not share a name
                words.append(hashlib.sha1(self.where.encode()).hexdigest()[:6])
        if self.include:
            words.append("incl")
        name = f"{self.table}_{'_'.join(words)}_idx".lower()
        if len(name) > _MAX_IDENT or not _PLAIN_IDENT.match(name):
            digest = hashlib.sha1(self.body().encode()).hexdigest()[:8]
            name = re.sub(r"[^a-z0-9_]", "_", name[: _MAX_IDENT - 9].lower()) + "_" + digest
        return name

    def create_sql(self) -> str:
        return f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {quote_ident(self.name)} {self.body()};"

    def drop_sql(self) -> str:
        return f"DROP INDEX CONCURRENTLY IF EXISTS {quote_ident(self.schema_name)}.{quote_ident(self.name)};"

    def hypothetical_sql(self) -> str:
        """The statement hypopg_create_index() takes (no name, no CONCURRENTLY)."""
        return f"CREATE INDEX {self.body()}"

    def key_columns(self) -> tuple[str, ...]:
        return tuple(k.sql for k in self.keys)
