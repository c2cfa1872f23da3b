"""What the guard hands back when it lets a statement through: the text to send and what kind of statement it is."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

SqlEngine = Literal["postgres", "mysql"]


class GuardedStatement(BaseModel):
    """A statement the parse-level guard accepted. The engine still runs it read-only, with timeouts and caps.

    `functions` are the unqualified function names it calls: the PostgreSQL executor checks that none of them is
    shadowed by a user-defined function of the same name before it runs the statement. `relations` are the tables
    it reads as written (MySQL): the executor refuses an unqualified secret table when the session's database is
    `mysql`; on PostgreSQL they are quoted names the executor resolves, judging each view's stored definition and
    each row-level security policy the way it judges the statement.
    """

    sql: str
    engine: SqlEngine
    kind: str = Field(description="select, explain, show, describe, analyze")
    executes_inner: bool = Field(False, description="True for EXPLAIN ANALYZE / MariaDB ANALYZE: the inner query runs")
    functions: list[str] = Field(default_factory=list)
    operators: list[str] = Field(default_factory=list, description="unqualified operator names (PostgreSQL)")
    types: list[str] = Field(default_factory=list, description="quoted names of non-pg_catalog types (PostgreSQL)")
    relations: list[str] = Field(default_factory=list,
                                 description="tables/views read, as written (lower case; PostgreSQL: quoted)")
