"""dbsage's own catalog-to-DDL, for when no pg_dump of the target's version is installed.

It rebuilds what a migration can touch — extensions, schemas, enum types, sequences, functions, tables (columns,
defaults, identity, generated columns), partitions, constraints, indexes, views, materialized views, triggers and
comments — from the catalog through PostgreSQL's own pg_get_*def functions, on the read-only engine. Not copied:
domains and composite types, policies, rules other than views', grants, inheritance outside partitioning, storage
parameters. Objects of extensions are left to the extension.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql
from psycopg.rows import dict_row

from dbsage.tools.engines.limits import SessionLimits
from dbsage.tools.targets import Target

_USER = ("n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
         "AND n.nspname NOT LIKE 'pg_temp%'")
_NOT_EXTENSION = "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} AND d.deptype = 'e')"

QUERIES: dict[str, str] = {
    "extensions": "SELECT extname AS name FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1",
    "schemas": f"SELECT nspname AS name FROM pg_namespace n WHERE {_USER} AND nspname <> 'public' "
               f"AND {_NOT_EXTENSION.format(oid='n.oid')} ORDER BY 1",
    "enums": f"""SELECT format('%I.%I', n.nspname, t.typname) AS name,
                   (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_enum e
                     WHERE e.enumtypid = t.oid) AS labels
                 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                WHERE t.typtype = 'e' AND {_USER} AND {_NOT_EXTENSION.format(oid='t.oid')} ORDER BY t.oid""",
    "sequences": f"""SELECT c.oid::regclass::text AS name, format_type(s.seqtypid, NULL) AS type, s.seqstart,
                        s.seqincrement, s.seqmin, s.seqmax, s.seqcycle
                   FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
                   JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE {_USER} AND {_NOT_EXTENSION.format(oid='c.oid')}
                    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'i')
                  ORDER BY c.oid""",
    "functions": f"""SELECT pg_get_functiondef(p.oid) AS ddl FROM pg_proc p JOIN pg_namespace n
                       ON n.oid = p.pronamespace
                      WHERE {_USER} AND p.prokind IN ('f', 'p') AND {_NOT_EXTENSION.format(oid='p.oid')}
                      ORDER BY p.oid""",
    "tables": f"""SELECT c.oid, c.oid::regclass::text AS name, c.relkind, c.relispartition,
                     CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partkey,
                     CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
                     (SELECT i.inhparent::regclass::text FROM pg_inherits i WHERE i.inhrelid = c.oid) AS parent,
                     obj_description(c.oid, 'pg_class') AS comment
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind IN ('r', 'p') AND {_USER} AND {_NOT_EXTENSION.format(oid='c.oid')}
               ORDER BY c.relispartition, c.oid""",
    "columns": f"""SELECT a.attrelid AS oid, quote_ident(a.attname) AS name,
                      format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, a.attidentity, a.attgenerated,
                      pg_get_expr(ad.adbin, ad.adrelid) AS expr,
                      CASE WHEN a.attcollation <> t.typcollation THEN (SELECT quote_ident(collname) FROM
                           pg_collation WHERE oid = a.attcollation) END AS collation,
                      col_description(a.attrelid, a.attnum) AS comment
                 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                 JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid
                 LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                WHERE c.relkind IN ('r', 'p') AND {_USER} AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY a.attrelid, a.attnum""",
    "constraints": f"""SELECT con.conrelid::regclass::text AS tbl, quote_ident(con.conname) AS name, con.contype,
                          c.relkind,
                          pg_get_constraintdef(con.oid) AS def
                     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
                     JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE {_USER} AND con.conislocal AND con.contype IN ('p', 'u', 'c', 'f', 'x')
                    ORDER BY con.contype = 'f', con.oid""",
    "indexes": f"""SELECT pg_get_indexdef(i.indexrelid) AS ddl
                 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE {_USER} AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid
                                                AND con.contype IN ('p', 'u', 'x'))
                  AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
                  AND {_NOT_EXTENSION.format(oid='c.oid')}
                  AND (SELECT relkind FROM pg_class WHERE oid = i.indrelid) IN ('r', 'p', 'm')
                ORDER BY i.indexrelid""",
    "views": f"""SELECT c.oid::regclass::text AS name, c.relkind, pg_get_viewdef(c.oid) AS def,
                    obj_description(c.oid, 'pg_class') AS comment
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('v', 'm') AND {_USER} AND {_NOT_EXTENSION.format(oid='c.oid')}
              ORDER BY c.oid""",
    "owned": f"""SELECT d.objid::regclass::text AS seq, d.refobjid::regclass::text AS tbl,
                    quote_ident(a.attname) AS col
               FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
               JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
               JOIN pg_namespace n ON n.oid = s.relnamespace
              WHERE d.deptype = 'a' AND d.classid = 'pg_class'::regclass AND {_USER}""",
    "triggers": f"""SELECT pg_get_triggerdef(t.oid) AS ddl FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                  JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND {_USER} ORDER BY t.oid""",
}


def read_catalog(target_dsn: str) -> dict[str, list[dict[str, Any]]]:
    """Every query above on one read-only connection of the engine (its timeouts, one snapshot per query)."""
    from dbsage.tools.engines.postgres.adapter import PostgresEngine

    engine = PostgresEngine(Target(engine="postgres", dsn=target_dsn), SessionLimits(statement_timeout_ms=60_000))
    try:
        with engine.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            found = {}
            for part, query in QUERIES.items():
                cur.execute(query.encode())
                found[part] = cur.fetchall()
            return found
    finally:
        engine.close()


def schema_ddl(target_dsn: str, available: set[str]) -> tuple[list[str], list[str]]:
    """The DDL, one object a piece (in the order they can be created), and what was left out because the scratch
    server cannot take it."""
    cat = read_catalog(target_dsn)
    out: list[str] = ["SET check_function_bodies = off;"]
    skipped = []
    for row in cat["extensions"]:
        if row["name"] in available:
            out.append(f"CREATE EXTENSION IF NOT EXISTS {_ident(row['name'])};")
        else:
            skipped.append(f"extension {row['name']}: not available on the scratch server")
    out += [f"CREATE SCHEMA IF NOT EXISTS {_ident(row['name'])};" for row in cat["schemas"]]
    out += [f"CREATE TYPE {row['name']} AS ENUM ({row['labels'] or ''});" for row in cat["enums"]]
    for s in cat["sequences"]:
        out.append(f"CREATE SEQUENCE {s['name']} AS {s['type']} INCREMENT {s['seqincrement']} MINVALUE "
                   f"{s['seqmin']} MAXVALUE {s['seqmax']} START {s['seqstart']}{' CYCLE' if s['seqcycle'] else ''};")
    out += [f"{row['ddl'].rstrip().rstrip(';')};" for row in cat["functions"]]
    columns: dict[int, list[dict[str, Any]]] = {}
    for col in cat["columns"]:
        columns.setdefault(col["oid"], []).append(col)
    for table in cat["tables"]:
        out.append(_table(table, columns.get(table["oid"], [])))
    for con in cat["constraints"]:
        only = "" if con["relkind"] == "p" else "ONLY "  # a partitioned table's constraint reaches its partitions
        out.append(f"ALTER TABLE {only}{con['tbl']} ADD CONSTRAINT {con['name']} {con['def']};")
    # A partitioned table's index reads `ON ONLY parent`; created plainly instead, it builds the partitions' own
    # indexes too (theirs are left out above), and is valid as the target's is.
    out += [f"{row['ddl'].replace(' ON ONLY ', ' ON ', 1)};" for row in cat["indexes"]]
    for view in cat["views"]:
        kind = "MATERIALIZED VIEW" if view["relkind"] == "m" else "VIEW"
        body = view["def"].rstrip().rstrip(";")
        out.append(f"CREATE {kind} {view['name']} AS {body}{' WITH NO DATA' if kind != 'VIEW' else ''};")
        if view["comment"] is not None:
            out.append(f"COMMENT ON {kind} {view['name']} IS {sql.quote(view['comment'])};")
    out += [f"ALTER SEQUENCE {row['seq']} OWNED BY {row['tbl']}.{row['col']};" for row in cat["owned"]]
    out += [f"{row['ddl']};" for row in cat["triggers"]]
    return out, skipped


def _table(table: dict[str, Any], columns: list[dict[str, Any]]) -> str:
    comments = [f"COMMENT ON TABLE {table['name']} IS {sql.quote(table['comment'])};"] \
        if table["comment"] is not None else []
    comments += [f"COMMENT ON COLUMN {table['name']}.{c['name']} IS {sql.quote(c['comment'])};"
                 for c in columns if c["comment"] is not None]
    partkey = f" PARTITION BY {table['partkey']}" if table["partkey"] else ""
    if table["relispartition"]:
        head = f"CREATE TABLE {table['name']} PARTITION OF {table['parent']} {table['bound']}{partkey};"
        defaults = [f"ALTER TABLE ONLY {table['name']} ALTER COLUMN {c['name']} SET DEFAULT {c['expr']};"
                    for c in columns if c["expr"] and not c["attgenerated"]]
        return "\n".join([head, *defaults, *comments])
    body = ",\n  ".join(_column(c) for c in columns)
    return "\n".join([f"CREATE TABLE {table['name']} (\n  {body}\n){partkey};", *comments])


def _column(c: dict[str, Any]) -> str:
    parts = [c["name"], c["type"]]
    if c["collation"]:
        parts.append(f"COLLATE {c['collation']}")
    if c["attgenerated"] == "s":
        parts.append(f"GENERATED ALWAYS AS ({c['expr']}) STORED")
    elif c["expr"]:
        parts.append(f"DEFAULT {c['expr']}")
    if c["attidentity"]:
        parts.append(f"GENERATED {'ALWAYS' if c['attidentity'] == 'a' else 'BY DEFAULT'} AS IDENTITY")
    if c["attnotnull"]:
        parts.append("NOT NULL")
    return " ".join(parts)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
