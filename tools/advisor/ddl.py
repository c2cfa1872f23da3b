"""The DDL of a recommendation, as the server accepts it: on a partitioned table the advisor's single
`CREATE INDEX CONCURRENTLY` (which PostgreSQL refuses there) becomes tools/index_ddl's ON ONLY + CONCURRENTLY per
partition + ATTACH PARTITION, with the partition list read from the schema snapshot (Table.partition_of)."""

from __future__ import annotations

from collections import defaultdict

from dbsage.tools.advisor.candidate import IndexCandidate
from dbsage.tools.advisor.report import AdviceReport
from dbsage.tools.index_ddl import IndexDDL, Partitions, Relation, create_index, spec_of
from dbsage.tools.schema import SchemaSnapshot, Table


def _relation(table: Table) -> Relation:
    return Relation(table.schema_name, table.name, partitioned=table.kind == "partitioned table",
                    foreign=table.kind == "foreign table")


def partition_tree(schema: SchemaSnapshot) -> Partitions:
    tree: dict[tuple[str, str], list[Relation]] = defaultdict(list)
    for table in sorted(schema.tables, key=lambda t: (t.schema_name, t.name)):
        if table.partition_of:
            parent_schema, _, parent = table.partition_of.partition(".")
            tree[(parent_schema, parent)].append(_relation(table))
    return dict(tree)


def candidate_ddl(candidate: IndexCandidate, schema: SchemaSnapshot) -> IndexDDL | None:
    """Partition-aware up/down for a candidate on a partitioned table; None for a plain table (its own DDL holds)."""
    table = next((t for t in schema.tables if (t.schema_name, t.name) == (candidate.schema_name, candidate.table)),
                 None)
    if table is None or table.kind != "partitioned table":
        return None
    spec = spec_of(candidate.body(), candidate.qualified_table)
    return create_index(candidate.name, _relation(table), spec, partitions=partition_tree(schema))


def partition_aware(report: AdviceReport, schema: SchemaSnapshot) -> None:
    """Rewrite the create/drop SQL of every recommendation on a partitioned table, in place."""
    for rec in report.recommendations:
        ddl = candidate_ddl(rec.index, schema)
        if ddl is not None:
            rec.create_sql, rec.drop_sql = ddl.up_sql(), ddl.down_sql()
