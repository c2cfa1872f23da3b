"""The scratch's schema as a set of lines, one per fact (a column's type, a constraint's definition, an index, a
view's body, a function's source, a trigger, a comment …), so that "down restores the schema" is a set equality
and the difference reads as lines lost and lines left behind.

Column order is not compared (a column dropped and added back lands at the end: no engine can put it back), nor are
names the server generates for a partition's copy of an index.
"""

from __future__ import annotations

from typing import Any

import psycopg

_USER = ("n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
         "AND n.nspname NOT LIKE 'pg_temp%'")

FINGERPRINT = f"""
SELECT 'schema ' || quote_ident(nspname) FROM pg_namespace n WHERE {_USER}
UNION ALL
SELECT 'extension ' || extname FROM pg_extension
UNION ALL
SELECT 'relation ' || c.oid::regclass::text || ' (' || c.relkind::text || ')'
       || coalesce(' partition of ' || (SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = c.oid)
                   || ' ' || pg_get_expr(c.relpartbound, c.oid), '')
       || coalesce(' partition by ' || CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END, '')
       || coalesce(' comment ' || quote_literal(obj_description(c.oid, 'pg_class')), '')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {_USER} AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
UNION ALL
SELECT 'column ' || c.oid::regclass::text || '.' || quote_ident(a.attname) || ' '
       || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
       || CASE a.attidentity WHEN 'a' THEN ' identity always' WHEN 'd' THEN ' identity by default' ELSE '' END
       || CASE WHEN a.attgenerated = 's' THEN ' generated' ELSE '' END
       || coalesce(' collate ' || (SELECT collname FROM pg_collation WHERE oid = a.attcollation
                                    AND a.attcollation <> (SELECT typcollation FROM pg_type WHERE oid = a.atttypid)),
                   '')
       || coalesce(' comment ' || quote_literal(col_description(c.oid, a.attnum)), '')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE {_USER} AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'constraint ' || con.conrelid::regclass::text || ' ' || quote_ident(con.conname) || ' '
       || pg_get_constraintdef(con.oid) || CASE WHEN con.convalidated THEN '' ELSE ' (not validated)' END
  FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace WHERE {_USER} AND con.conrelid <> 0
UNION ALL
SELECT 'index ' || pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' ELSE ' (INVALID)' END
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {_USER} AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
UNION ALL
SELECT 'view ' || c.oid::regclass::text || ' as ' || pg_get_viewdef(c.oid)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {_USER} AND c.relkind IN ('v', 'm')
UNION ALL
SELECT 'sequence ' || s.seqrelid::regclass::text || ' ' || format_type(s.seqtypid, NULL) || ' increment '
       || s.seqincrement || ' min ' || s.seqmin || ' max ' || s.seqmax
       || coalesce(' owned by ' || (SELECT d.refobjid::regclass::text || '.' || a.attname FROM pg_depend d
                   JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                   WHERE d.objid = s.seqrelid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                   LIMIT 1), '')
  FROM pg_sequence s
  JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {_USER}
UNION ALL
SELECT 'function ' || p.oid::regprocedure::text || ' returns ' || pg_get_function_result(p.oid)
       || ' ' || p.provolatile::text || ' body md5 ' || md5(p.prosrc)
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE {_USER} AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(t.oid) || CASE t.tgenabled WHEN 'D' THEN ' (disabled)' ELSE '' END
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {_USER} AND NOT t.tgisinternal AND t.tgparentid = 0
UNION ALL
SELECT 'type ' || t.oid::regtype::text || ' enum ' || (SELECT string_agg(quote_literal(enumlabel), ', '
       ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid)
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE {_USER} AND t.typtype = 'e'
"""


def fingerprint(conn: psycopg.Connection[Any]) -> set[str]:
    return {row[0] for row in conn.execute(FINGERPRINT.encode()).fetchall() if row[0] is not None}


def difference(before: set[str], after: set[str], limit: int = 200) -> list[str]:
    """'- line' for what down lost, '+ line' for what it left behind; sorted, at most `limit` lines."""
    lines = [f"- {line}" for line in sorted(before - after)] + [f"+ {line}" for line in sorted(after - before)]
    return lines[:limit] + ([f"… and {len(lines) - limit} more"] if len(lines) > limit else [])
