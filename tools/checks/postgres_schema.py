"""Schema checks: primary keys, foreign keys without an index, columns that should be NOT NULL, type smells."""

from __future__ import annotations

from collections import defaultdict

from dbsage.tools.advisor.candidate import quote_ident
from dbsage.tools.checks.model import Facts, Finding, Thresholds
from dbsage.tools.checks.postgres_ddl import index_fix
from dbsage.tools.index_ddl import fit_name


def qualified(schema: str, name: str) -> str:
    # Quoted when needed: fixes are SQL a person may paste, and a name may hold a quote, a space or a semicolon.
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def missing_primary_key(facts: Facts, limits: Thresholds) -> list[Finding]:
    fk_columns: dict[str, set[str]] = defaultdict(set)
    for fk in facts.get("foreign_keys", []):
        fk_columns[qualified(fk["schema"], fk["table_name"])].update(fk["columns"])
    found = []
    for t in facts.get("tables", []):
        # A partition without a key is its parent's finding: a partition cannot take a column of its own, and the
        # parent's primary key, once added, is every partition's.
        if t["relkind"] not in ("r", "p") or t["has_pk"] or t.get("is_partition"):
            continue
        table = qualified(t["schema"], t["name"])
        if t["relkind"] == "p":
            # No identity column can be added to a table with partitions, no constraint attached USING INDEX, and
            # the key must contain the partition key: only a person knows which columns are unique.
            fix = (f"-- {table} is partitioned ({t.get('partition_key') or 'see its partition key'}): its primary "
                   f"key must include the partition key columns:\n-- ALTER TABLE {table} ADD PRIMARY KEY "
                   "(<the unique columns>, <the partition key columns>);")
        elif t["unique_not_null_index"]:
            fix = f"ALTER TABLE {table} ADD PRIMARY KEY USING INDEX {quote_ident(t['unique_not_null_index'])};"
        elif fk_columns[table] and len(fk_columns[table]) == t["column_count"]:
            fix = f"ALTER TABLE {table} ADD PRIMARY KEY ({', '.join(map(quote_ident, sorted(fk_columns[table])))});"
        elif t.get("has_id_column"):  # adding another `id` would fail: whether this one is unique, a person knows
            fix = (f"-- {table} has a column id: if its values are unique and never NULL:\n"
                   f"-- ALTER TABLE {table} ADD PRIMARY KEY (id);")
        else:
            fix = f"ALTER TABLE {table} ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;"
        found.append(Finding(
            id="schema.missing_primary_key", family="schema", severity="medium", object=table,
            title=f"{table} has no primary key",
            evidence={"rows": t["reltuples"], "bytes": t["total_bytes"],
                      "unique_not_null_index": t["unique_not_null_index"]},
            fix=fix,
        ))
    return found


def fk_without_index(facts: Facts, limits: Thresholds) -> list[Finding]:
    found = []
    for fk in facts.get("foreign_keys", []):
        # A partition's copy of the parent's key is the parent's finding: the parent's index, once built (ON ONLY +
        # one per partition), is every partition's.
        if fk["indexed"] or fk.get("inherited"):
            continue
        table, columns = qualified(fk["schema"], fk["table_name"]), fk["columns"]
        name = fit_name(f"{fk['table_name']}_{'_'.join(columns)}_idx")
        ddl = index_fix(facts, fk["schema"], fk["table_name"], name, f"({', '.join(map(quote_ident, columns))})")
        found.append(Finding(
            id="schema.fk_without_index", family="schema", severity="medium", object=f"{fk['schema']}.{fk['name']}",
            title=f"foreign key {fk['name']} ({table}.{', '.join(columns)} → {fk['referenced_table']}) has no index",
            evidence={"table": table, "columns": columns, "referenced_table": fk["referenced_table"],
                      "rows": fk["reltuples"], "bytes": fk["bytes"]},
            fix=ddl.up_sql(),
        ))
    return found


def should_be_not_null(facts: Facts, limits: Thresholds) -> list[Finding]:
    by_table: dict[str, list[dict]] = defaultdict(list)
    for c in facts.get("columns", []):
        if not c["not_null"] and c["null_frac"] == 0 and c["reltuples"] >= limits.min_rows_for_stats:
            by_table[qualified(c["schema"], c["table_name"])].append(c)
    found = []
    for table, columns in by_table.items():
        names = [c["name"] for c in columns]
        found.append(Finding(
            id="schema.nullable_without_nulls", family="schema", severity="info", object=table,
            title=f"{table}: {', '.join(names)} allow NULL but the statistics saw none",
            evidence={"columns": names, "null_fraction": 0.0, "rows": columns[0]["reltuples"]},
            fix="\n".join(f"ALTER TABLE {table} ALTER COLUMN {quote_ident(n)} SET NOT NULL;  -- if NULL is never "
                          "meant; on a big table add a CHECK (… IS NOT NULL) NOT VALID first, VALIDATE it, then "
                          "SET NOT NULL"
                          for n in names),
        ))
    return found


_SMELLS = {
    "timestamp": ("low", "timestamp without time zone", "stores wall-clock time with no zone: ambiguous across "
                  "zones and DST", "ALTER TABLE {t} ALTER COLUMN {c} TYPE timestamptz USING {c} AT TIME ZONE 'UTC';"),
    "money": ("medium", "money type", "depends on lc_monetary and rounds to the locale's fraction",
              "ALTER TABLE {t} ALTER COLUMN {c} TYPE numeric(12,2);"),
    "serial": ("info", "serial column", "serial is the legacy spelling: identity columns carry the sequence's "
               "ownership and permissions with the column", "-- PostgreSQL 10+: ALTER TABLE {t} ALTER COLUMN {c} "
               "DROP DEFAULT; DROP SEQUENCE <its sequence>; ALTER TABLE {t} ALTER COLUMN {c} ADD GENERATED BY "
               "DEFAULT AS IDENTITY (START WITH <max+1>);"),
    "text_id": ("low", "text key column", "keys stored as text are wider and slower to compare than integer or uuid "
                "keys", "-- if the values are UUIDs: ALTER TABLE {t} ALTER COLUMN {c} TYPE uuid USING {c}::uuid;"),
}


def _smell(column: dict) -> str | None:
    if column["type"].startswith("timestamp") and "with time zone" not in column["type"]:
        return "timestamp"
    if column["type"] == "money":
        return "money"
    if (column["default_value"] or "").startswith("nextval(") and not column["is_identity"]:
        return "serial"
    if column["in_key"] and column["type"].split("(")[0] in ("text", "character varying", "character"):
        return "text_id"
    return None


def type_smells(facts: Facts, limits: Thresholds) -> list[Finding]:
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for column in facts.get("columns", []):
        smell = _smell(column)
        if smell:
            groups[(smell, qualified(column["schema"], column["table_name"]))].append(column)
    found = []
    for (smell, table), columns in sorted(groups.items()):
        severity, what, why, fix = _SMELLS[smell]
        found.append(Finding(
            id=f"schema.type_{smell}", family="schema", severity=severity, object=table,
            title=f"{table}: {what} ({', '.join(c['name'] for c in columns)})",
            evidence={"columns": {c["name"]: c["type"] for c in columns}, "why": why},
            fix="\n".join(fix.format(t=table, c=quote_ident(c["name"])) for c in columns),
        ))
    return found


RULES = [missing_primary_key, fk_without_index, should_be_not_null, type_smells]
