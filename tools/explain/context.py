"""What the rules may know about the tables a statement touches, gathered by the engine from the catalog.

Rules work without it (a plan alone still says a lot); with it they can name the index that would serve a filter,
tell an indexed column from an unindexed one, and see column types and nullability.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class ColumnFacts(BaseModel):
    name: str
    type: str
    not_null: bool = False


class TableFacts(BaseModel):
    schema_name: str
    name: str
    row_estimate: int = 0
    pages: int = 0
    columns: list[ColumnFacts] = Field(default_factory=list)
    index_keys: list[list[str]] = Field(default_factory=list, description="key columns (or expressions) per index")
    partition_root: str | None = Field(default=None, description="a partition's top partitioned table, schema.name")
    partition_key: list[str] = Field(default_factory=list, description="a partitioned table's key columns")
    leaf_partitions: int | None = Field(default=None, description="a partitioned table's partitions that hold rows")

    def column(self, name: str) -> ColumnFacts | None:
        return next((c for c in self.columns if c.name == name.lower()), None)

    def leads_an_index(self, column: str) -> bool:
        return any(keys and keys[0] == column.lower() for keys in self.index_keys)

    def indexed(self, column: str) -> bool:
        return any(column.lower() in keys for keys in self.index_keys)


class ExplainContext(BaseModel):
    tables: list[TableFacts] = Field(default_factory=list)
    settings: dict[str, str] = Field(default_factory=dict, description="planner settings the rules quote")

    def table(self, name: str | None) -> TableFacts | None:
        if not name:
            return None
        schema, _, bare = name.lower().rpartition(".")
        return next((t for t in self.tables if t.name == bare and (not schema or t.schema_name == schema)), None)
