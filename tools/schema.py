"""The schema model every engine fills in and every front end renders (table, JSON, mermaid)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

ObjectKind = Literal["table", "partitioned table", "view", "materialized view", "foreign table", "collection"]
ConstraintKind = Literal["primary key", "foreign key", "unique", "check", "exclusion"]


class Column(BaseModel):
    name: str
    type: str
    nullable: bool = True
    default: str | None = None
    comment: str | None = None
    # MongoDB: share of sampled documents that have the field (1.0 = always present).
    presence: float | None = None


class Constraint(BaseModel):
    name: str
    kind: ConstraintKind
    columns: list[str] = Field(default_factory=list)
    definition: str | None = None
    references_table: str | None = None
    references_columns: list[str] = Field(default_factory=list)


class Index(BaseModel):
    name: str
    columns: list[str] = Field(default_factory=list)
    definition: str | None = None
    unique: bool = False
    primary: bool = False
    valid: bool = True
    size_bytes: int | None = None
    scans: int | None = Field(default=None, description="usage counter since the statistics were reset")
    backs_constraint: str | None = Field(default=None, description="name of the constraint this index enforces")
    partitioned: bool = Field(default=False, description="a partitioned table's index (its partitions hold the data)")
    attached_to: str | None = Field(default=None, description="the partitioned index (schema.name) this partition's "
                                                              "index is attached to; such an index cannot be dropped")


class Partition(BaseModel):
    """One partition of a partitioned table, as the parent's detail lists it."""

    name: str = Field(description="schema.name")
    bound: str = Field(description="as PostgreSQL writes it: FOR VALUES FROM (…) TO (…) / IN (…) / WITH (…), DEFAULT")
    default: bool = False
    partitioned: bool = Field(default=False, description="itself partitioned (sizes and rows are its whole tree)")
    row_estimate: int | None = None
    size_bytes: int | None = None


class Trigger(BaseModel):
    name: str
    timing: str = Field(description="BEFORE, AFTER or INSTEAD OF")
    events: list[str] = Field(default_factory=list, description="INSERT, UPDATE, DELETE, TRUNCATE")
    level: Literal["row", "statement"] = "row"
    function: str = Field(description="the function it calls, schema.name")
    enabled: bool = True
    definition: str | None = None


class Table(BaseModel):
    schema_name: str
    name: str
    kind: ObjectKind = "table"
    columns: list[Column] = Field(default_factory=list)
    constraints: list[Constraint] = Field(default_factory=list)
    indexes: list[Index] = Field(default_factory=list)
    row_estimate: int | None = None
    size_bytes: int | None = Field(default=None, description="total size: heap + indexes + toast")
    comment: str | None = None
    partition_of: str | None = Field(default=None, description="a partition's parent table, schema.name")
    partition_key: str | None = Field(default=None, description="a partitioned table's key: RANGE (col), LIST …")
    partition_bound: str | None = Field(default=None, description="a partition's bound (FOR VALUES …, DEFAULT)")
    partitions: list[Partition] = Field(default_factory=list, description="a partitioned table's direct partitions; "
                                        "its row_estimate and size_bytes are the whole tree's totals")
    triggers: list[Trigger] = Field(default_factory=list, description="user triggers (clones a partition inherits "
                                    "from its parent are listed on the parent only)")
    definition: str | None = Field(default=None, description="a view's or materialized view's query")
    populated: bool | None = Field(default=None, description="a materialized view holds data (REFRESHed at least once)")

    @property
    def qualified_name(self) -> str:
        return f"{self.schema_name}.{self.name}"

    @property
    def primary_key(self) -> Constraint | None:
        return next((c for c in self.constraints if c.kind == "primary key"), None)

    @property
    def foreign_keys(self) -> list[Constraint]:
        return [c for c in self.constraints if c.kind == "foreign key"]


class SchemaSnapshot(BaseModel):
    engine: str
    target: str = Field(description="redacted target")
    database: str
    tables: list[Table] = Field(default_factory=list)
    index_stats_since: datetime | None = Field(default=None, description="since when index usage counters count "
                                               "(latest of stats reset, server start, database creation)")
    index_stats_days: float | None = Field(default=None, description="how many days those counters have run")

    def find(self, name: str) -> Table | None:
        """Look a table up by `name` or `schema.name` (case-insensitive on the name)."""
        schema, _, bare = name.rpartition(".")
        for table in self.tables:
            if table.name.lower() == bare.lower() and (not schema or table.schema_name.lower() == schema.lower()):
                return table
        return None
