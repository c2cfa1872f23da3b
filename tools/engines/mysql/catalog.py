"""MySQL/MariaDB catalog rows → the schema model. Pure functions: no driver, so they are tested on plain dicts too.

The adapter (tools/engines/mysql.py) runs a handful of bulk information_schema queries for the whole scope and this
module groups their rows by table, so the number of round trips does not grow with the number of tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import groupby
from typing import Any

from dbsage.tools.schema import Column, Constraint, ConstraintKind, Index, ObjectKind, Table

TableKey = tuple[str, str]

_KINDS: dict[str, ObjectKind] = {"BASE TABLE": "table", "SYSTEM VERSIONED": "table", "VIEW": "view"}
_UNQUOTED_DEFAULT_TYPES = {
    "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal", "numeric", "float", "double",
    "real", "bit", "year",
}
_GENERATED_MARKERS = ("virtual generated", "stored generated", "persistent generated")


def quote_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _text(value: Any) -> str | None:
    """information_schema spells 'no comment' as ''; the model spells it None."""
    if value is None:
        return None
    text = value.decode() if isinstance(value, bytes) else str(value)
    return text or None


def column_default(
    raw: str | None, extra: str | None, data_type: str, generation_expression: str | None, mariadb: bool
) -> str | None:
    """The default as SQL would spell it, the same on MySQL and MariaDB.

    MariaDB (≥ 10.2.7) already quotes literals and writes an absent default of a nullable column as 'NULL';
    MySQL gives literals unquoted and marks expression defaults with DEFAULT_GENERATED in EXTRA.
    """
    flags = (extra or "").lower()
    if "auto_increment" in flags:
        return "AUTO_INCREMENT"
    if generation_expression and any(marker in flags for marker in _GENERATED_MARKERS):
        stored = "stored" in flags or "persistent" in flags
        return f"GENERATED ALWAYS AS ({generation_expression}) {'STORED' if stored else 'VIRTUAL'}"
    base = _literal_default(raw, flags, data_type.lower(), mariadb)
    if "on update current_timestamp" in flags:
        return f"{base or 'NULL'} ON UPDATE CURRENT_TIMESTAMP"
    return base


def _literal_default(raw: str | None, flags: str, data_type: str, mariadb: bool) -> str | None:
    if raw is None:
        return None
    if mariadb:
        return None if raw == "NULL" else raw
    if "default_generated" in flags or raw.upper().startswith("CURRENT_TIMESTAMP"):
        return raw
    if data_type in _UNQUOTED_DEFAULT_TYPES:
        return raw
    return "'" + raw.replace("'", "''") + "'"


def _column(row: dict[str, Any], mariadb: bool) -> Column:
    return Column(
        name=row["name"],
        type=_text(row["type"]) or "",
        nullable=bool(row["nullable"]),
        default=column_default(_text(row["raw_default"]), row["extra"], _text(row["data_type"]) or "",
                               _text(row["generation_expression"]), mariadb),
        comment=_text(row["comment"]),
    )


def _key(row: dict[str, Any]) -> TableKey:
    return (row["schema"], row["table"])


_KEY_KINDS: dict[str, ConstraintKind] = {"PRIMARY KEY": "primary key", "UNIQUE": "unique", "FOREIGN KEY": "foreign key"}
_KIND_ORDER = {"primary key": 0, "unique": 1, "foreign key": 2, "check": 3}


def _key_constraints(
    rows: list[dict[str, Any]], fk_rules: list[dict[str, Any]]
) -> dict[TableKey, list[Constraint]]:
    """PK/unique/FK rows come one per column in key order; fold them into one Constraint each."""
    rules = {(r["schema"], r["table"], r["name"]): r for r in fk_rules}
    found: dict[TableKey, list[Constraint]] = defaultdict(list)
    for (schema, table, name), group in groupby(rows, key=lambda r: (r["schema"], r["table"], r["name"])):
        members = list(group)
        first = members[0]
        columns = [r["column_name"] for r in members]
        kind = _KEY_KINDS[first["constraint_type"]]
        constraint = Constraint(name=name, kind=kind, columns=columns)
        if kind == "foreign key":
            ref_table = first["ref_table"] if first["ref_schema"] == schema else (
                f"{first['ref_schema']}.{first['ref_table']}")
            constraint.references_table = ref_table
            constraint.references_columns = [r["ref_column"] for r in members]
            constraint.definition = _fk_definition(columns, ref_table, constraint.references_columns,
                                                   rules.get((schema, table, name), {}))
        else:
            listed = ", ".join(quote_ident(c) for c in columns)
            constraint.definition = f"PRIMARY KEY ({listed})" if kind == "primary key" else f"UNIQUE ({listed})"
        found[(schema, table)].append(constraint)
    return found


def _fk_definition(columns: list[str], ref_table: str, ref_columns: list[str], rule: dict[str, Any]) -> str:
    text = (f"FOREIGN KEY ({', '.join(map(quote_ident, columns))}) REFERENCES {ref_table} "
            f"({', '.join(map(quote_ident, ref_columns))})")
    for action in ("delete", "update"):
        spelled = rule.get(f"{action}_rule")
        if spelled and spelled not in ("RESTRICT", "NO ACTION"):
            text += f" ON {action.upper()} {spelled}"
    return text


def _check_constraints(rows: Iterable[dict[str, Any]]) -> dict[TableKey, list[Constraint]]:
    found: dict[TableKey, list[Constraint]] = defaultdict(list)
    for row in rows:
        # A MariaDB column-level check is named after its column, which is the column it constrains.
        columns = [row["name"]] if row.get("level") == "Column" else []
        found[_key(row)].append(
            Constraint(name=row["name"], kind="check", columns=columns, definition=f"CHECK ({row['clause']})")
        )
    return found


def index_definition(schema: str, table: str, name: str, parts: list[str], unique: bool, index_type: str) -> str:
    target = f"{quote_ident(schema)}.{quote_ident(table)}"
    if name == "PRIMARY":
        return f"ALTER TABLE {target} ADD PRIMARY KEY ({', '.join(parts)})"
    flavour = "UNIQUE " if unique else ("FULLTEXT " if index_type == "FULLTEXT" else "")
    flavour = "SPATIAL " if index_type == "SPATIAL" else flavour
    using = f" USING {index_type}" if index_type in ("HASH", "RTREE") else ""
    return f"CREATE {flavour}INDEX {quote_ident(name)} ON {target} ({', '.join(parts)}){using}"


def _index_part(row: dict[str, Any]) -> str:
    if row["column_name"] is None:  # MySQL 8 functional key part: the expression is not in this view
        return "(expression)"
    part = quote_ident(row["column_name"])
    if row["sub_part"]:
        part += f"({row['sub_part']})"
    return part + (" DESC" if row["collation"] == "D" else "")


def _indexes(
    rows: list[dict[str, Any]], sizes: dict[tuple[str, str, str], int], usage: dict[tuple[str, str, str], int] | None
) -> dict[TableKey, list[Index]]:
    """Index rows come one per key part; `usage` is None when performance_schema cannot tell."""
    found: dict[TableKey, list[Index]] = defaultdict(list)
    for (schema, table, name), group in groupby(rows, key=lambda r: (r["schema"], r["table"], r["name"])):
        parts = list(group)
        first = parts[0]
        found[(schema, table)].append(Index(
            name=name,
            columns=[p["column_name"] or "(expression)" for p in parts],
            definition=index_definition(schema, table, name, [_index_part(p) for p in parts],
                                        bool(first["is_unique"]), first["index_type"]),
            unique=bool(first["is_unique"]),
            primary=name == "PRIMARY",
            size_bytes=sizes.get((schema, table, name)),
            scans=None if usage is None else usage.get((schema, table, name), 0),
        ))
    return found


def assemble(
    relations: list[dict[str, Any]],
    columns: list[dict[str, Any]],
    key_constraints: list[dict[str, Any]],
    fk_rules: list[dict[str, Any]],
    checks: list[dict[str, Any]],
    indexes: list[dict[str, Any]],
    *,
    index_sizes: dict[tuple[str, str, str], int],
    index_usage: dict[tuple[str, str, str], int] | None,
    mariadb: bool,
) -> list[Table]:
    """Group the bulk catalog rows by table."""
    cols_by: dict[TableKey, list[Column]] = defaultdict(list)
    for row in columns:
        cols_by[_key(row)].append(_column(row, mariadb))
    cons_by = _key_constraints(key_constraints, fk_rules)
    for key, found in _check_constraints(checks).items():
        cons_by[key].extend(found)
    for found in cons_by.values():
        found.sort(key=lambda c: _KIND_ORDER[c.kind])  # stable: name order within a kind
    idx_by = _indexes(indexes, index_sizes, index_usage)
    tables = []
    for rel in relations:
        key = (rel["schema"], rel["name"])
        kind = _KINDS[rel["table_type"]]
        backed = {c.name for c in cons_by[key] if c.kind in ("primary key", "unique")}
        for index in idx_by[key]:
            index.backs_constraint = index.name if index.name in backed else None
        tables.append(Table(
            schema_name=rel["schema"], name=rel["name"], kind=kind, columns=cols_by[key], constraints=cons_by[key],
            indexes=idx_by[key],
            row_estimate=None if kind == "view" or rel["row_estimate"] is None else int(rel["row_estimate"]),
            size_bytes=None if kind == "view" or rel["size_bytes"] is None else int(rel["size_bytes"]),
            comment=None if kind == "view" else _text(rel["comment"]),
        ))
    return tables
