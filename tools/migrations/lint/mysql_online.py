"""MySQL/MariaDB online DDL: which ALGORITHM (INSTANT < INPLACE < COPY) and LOCK each ALTER needs on this server
version, whether it rebuilds the table, and when only an online schema-change tool is safe.

Facts (MySQL 8.0 "Online DDL Operations", MariaDB "InnoDB Online DDL Overview"): INSTANT ADD COLUMN since MySQL
8.0.12 (last position) / 8.0.29 (any position, and DROP COLUMN); MariaDB 10.3 (last) / 10.4 (any, and DROP).
Type and charset changes copy the table; FOREIGN KEY with foreign_key_checks=1 copies; FULLTEXT/SPATIAL and
AUTO_INCREMENT columns block writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dbsage.tools.migrations.lint.mysql_parse import MyStatement, Spec, type_text
from dbsage.tools.migrations.lint.rules import Hit, Parsed, rule
from dbsage.tools.migrations.lint.state import MigrationState, bare

ALGOS = ["INSTANT", "INPLACE", "COPY"]
LOCKS = ["NONE", "SHARED", "EXCLUSIVE"]
OSC = "on a big table only an online schema-change tool (gh-ost or pt-online-schema-change) avoids blocking writes"


@dataclass
class Op:
    what: str
    algorithm: str = "INPLACE"
    lock: str = "NONE"
    rebuild: bool = False
    charset: bool = False


def ops(view: MyStatement, state: MigrationState) -> list[Op]:
    if view.words[:2] == ["ALTER", "TABLE"]:
        adds_pk = any(s.starts("ADD", "PRIMARY") or (s.starts("ADD", "CONSTRAINT") and "PRIMARY" in s.words)
                      for s in view.specs)
        return [_op(s, view, state, adds_pk) for s in view.specs]
    if view.verb == "CREATE" and "INDEX" in view.words[:4]:
        special = next((w for w in view.words[:3] if w in ("FULLTEXT", "SPATIAL")), None)
        return [Op(f"{special} index", lock="SHARED", rebuild=special == "FULLTEXT") if special else Op("add index")]
    if view.verb == "OPTIMIZE":
        return [Op("OPTIMIZE TABLE", rebuild=True)]
    return []


def _op(spec: Spec, view: MyStatement, state: MigrationState, adds_pk: bool) -> Op:  # noqa: C901 (one table)
    w = spec.words
    if spec.starts("ADD"):
        nxt = w[1] if len(w) > 1 else ""
        if nxt in ("INDEX", "KEY", "UNIQUE"):
            return Op("add index")
        if nxt in ("FULLTEXT", "SPATIAL"):
            return Op(f"add {nxt} index", lock="SHARED", rebuild=nxt == "FULLTEXT")
        if nxt == "PRIMARY" or (nxt == "CONSTRAINT" and "PRIMARY" in w):
            return Op("add primary key", rebuild=True)
        if "FOREIGN" in w[:4]:
            return Op("add foreign key (foreign_key_checks=1)", "COPY", "SHARED") if state.foreign_key_checks \
                else Op("add foreign key")
        if nxt == "CHECK" or (nxt == "CONSTRAINT" and "CHECK" in w):
            return Op("add check constraint", "COPY", "SHARED")
        if nxt == "PARTITION":
            return Op("add partition")
        return _add_column(spec, state)
    if spec.starts("DROP"):
        nxt = w[1] if len(w) > 1 else ""
        if nxt == "PRIMARY":
            return Op("drop primary key") if adds_pk else Op("drop primary key", "COPY", "SHARED")
        if nxt in ("INDEX", "KEY", "FOREIGN", "CHECK", "CONSTRAINT", "PARTITION"):
            return Op(f"drop {nxt.lower()}")
        instant = (state.mariadb and state.at_least(10, 4)) or (not state.mariadb and state.at_least(8, 0, 29))
        return Op("drop column", "INSTANT" if instant else "INPLACE", rebuild=not instant)
    if spec.starts("MODIFY") or spec.starts("CHANGE"):
        return _modify(spec, view, state)
    if spec.starts("CONVERT"):
        return Op("convert the table to another character set", "COPY", "SHARED", True, charset=True)
    if spec.starts("ALTER"):
        return Op("set/drop default or index visibility", "INSTANT")
    if spec.starts("RENAME"):
        return Op("rename", "INSTANT" if state.at_least(8, 0, 28) or state.mariadb else "INPLACE")
    if spec.starts("ORDER", "BY"):
        return Op("ORDER BY", "COPY", "SHARED", True)
    if spec.starts("ENGINE") or spec.starts("FORCE") or spec.starts("ROW_FORMAT") or spec.starts("KEY_BLOCK_SIZE"):
        return Op("table rebuild", rebuild=True)
    return Op("table option", "INSTANT" if spec.starts("COMMENT") else "INPLACE")


def _add_column(spec: Spec, state: MigrationState) -> Op:
    w = spec.words
    if "AUTO_INCREMENT" in w:
        return Op("add AUTO_INCREMENT column", lock="SHARED", rebuild=True)
    if "STORED" in w or "PERSISTENT" in w:
        return Op("add stored generated column", "COPY", "SHARED", True)
    positioned = "AFTER" in w or "FIRST" in w
    if state.mariadb:
        instant = state.at_least(10, 4) or (state.at_least(10, 3, 2) and not positioned)
    else:
        instant = state.at_least(8, 0, 29) or (state.at_least(8, 0, 12) and not positioned)
    return Op("add column" + (" at a position" if positioned else ""), "INSTANT" if instant else "INPLACE",
              rebuild=not instant)


def _modify(spec: Spec, view: MyStatement, state: MigrationState) -> Op:
    w = spec.words
    i = 2 if len(w) > 1 and w[1] == "COLUMN" else 1  # MODIFY [COLUMN] name type … / CHANGE [COLUMN] old new type …
    if any(x in w for x in ("CHARACTER", "CHARSET", "COLLATE")):
        return Op("change a column's character set/collation", "COPY", "SHARED", True, charset=True)
    column = w[i].strip("\x00").lower() if i < len(w) else ""
    new_type = type_text(w[i + (2 if spec.starts("CHANGE") else 1):])
    facts = state.facts(view.table)
    old = facts.columns.get(column) if facts else None
    if old is None and view.table:  # a column this migration added: its type is known from that ADD
        old = state.added_columns.get((bare(view.table), column))
    if old is not None and old.lower().replace(" ", "") == new_type.replace(" ", ""):
        return Op("change nullability/default", rebuild="NOT" in w)
    if old is not None and _varchar_widening(old.lower(), new_type):
        return Op("widen varchar")
    return Op(f"change column type{' from ' + old if old else ''} to {new_type}", "COPY", "SHARED", True)


def _varchar_widening(old: str, new: str) -> bool:
    """VARCHAR longer within the same length-byte class (utf8mb4: 4 bytes a char; 255 bytes is the boundary)."""
    if not (old.startswith("varchar(") and new.startswith("varchar(")):
        return False
    a, b = int(old[8:-1] or 0), int(new[8:-1] or 0)
    return b >= a and (b * 4 < 256) == (a * 4 < 256)


def _verdict(view: MyStatement, state: MigrationState) -> tuple[list[Op], str, str]:
    found = ops(view, state)
    algo = max((o.algorithm for o in found), key=ALGOS.index, default="INSTANT")
    lock = max((o.lock for o in found), key=LOCKS.index, default="NONE")
    return found, algo, lock


@rule("mysql-algorithm-unsupported", family="mysql-online", severity="error", dialects=("mysql",),
      summary="the ALGORITHM/LOCK the statement asks for is not possible for this change on this server: it fails")
def unsupported(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    view: MyStatement = p.node
    found, algo, lock = _verdict(view, state)
    if not found:
        return
    version = ".".join(map(str, state.version)) if state.version else "a current version"
    no_instant = view.algorithm == "INSTANT" and (
        (state.mariadb and not state.at_least(10, 3)) or (not state.mariadb and not state.at_least(8, 0, 12)))
    if no_instant or (view.algorithm in ALGOS and ALGOS.index(view.algorithm) < ALGOS.index(algo)):
        slow = ", ".join(o.what for o in found if ALGOS.index(o.algorithm) > ALGOS.index(view.algorithm or "COPY"))
        yield Hit(f"ALGORITHM={view.algorithm} is not supported for {slow or 'this change'} on "
                  f"{'MariaDB' if state.mariadb else 'MySQL'} {version}: the statement fails",
                  f"-- this change needs ALGORITHM={algo}" + (f"; {OSC}" if algo == "COPY" else ""))
    elif view.lock in LOCKS and LOCKS.index(view.lock) < LOCKS.index(lock):
        yield Hit(f"LOCK={view.lock} is not possible for {', '.join(o.what for o in found if o.lock != 'NONE')}: "
                  "the statement fails", f"-- it needs LOCK={lock}; {OSC}")


@rule("mysql-copy-algorithm", family="mysql-online", severity="warning", dialects=("mysql",),
      summary="the change needs ALGORITHM=COPY: the table is copied row by row and writes wait for the whole copy")
def copy_algorithm(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    view: MyStatement = p.node
    found, algo, _ = _verdict(view, state)
    copies = [o for o in found if (o.algorithm == "COPY" or view.algorithm == "COPY") and not o.charset]
    if copies and view.table:
        what = ", ".join(o.what for o in copies)
        yield Hit(f"{what} on {view.table} needs ALGORITHM=COPY: every row is copied into a new table while writes "
                  f"are blocked (LOCK=SHARED){' — ALGORITHM=COPY asks for it' if view.algorithm == 'COPY' else ''}; "
                  f"{OSC}", f"-- gh-ost --alter=\"{_alter_clause(view)}\" --table={view.table} --execute\n"
                  "-- or pt-online-schema-change --alter \"…\" D=<db>,t=" + view.table,
                  table=view.table, size_sensitive=True, rewrites=True, lock="LOCK=SHARED")


@rule("mysql-charset-change", family="mysql-online", severity="warning", dialects=("mysql",),
      summary="changing a character set or collation copies the table and blocks writes")
def charset_change(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    view: MyStatement = p.node
    found, _, _ = _verdict(view, state)
    if any(o.charset for o in found) and view.table:
        yield Hit(f"changing the character set/collation of {view.table} rewrites every row with ALGORITHM=COPY "
                  f"(writes blocked), may lengthen indexed columns past the key limit, and changes comparisons; {OSC}",
                  f"-- gh-ost --alter=\"{_alter_clause(view)}\" --table={view.table} --execute",
                  table=view.table, size_sensitive=True, rewrites=True, lock="LOCK=SHARED")


@rule("mysql-blocking-lock", family="mysql-online", severity="warning", dialects=("mysql",),
      summary="the change blocks writes (LOCK=SHARED/EXCLUSIVE) even without a copy")
def blocking_lock(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    view: MyStatement = p.node
    found, algo, lock = _verdict(view, state)
    if algo == "COPY" or view.algorithm == "COPY" or not view.table:
        return  # mysql-copy-algorithm / mysql-charset-change say it already
    if view.lock in ("SHARED", "EXCLUSIVE"):
        yield Hit(f"LOCK={view.lock} blocks {'all access' if view.lock == 'EXCLUSIVE' else 'writes'} to "
                  f"{view.table} for the whole operation, though {algo} with LOCK={lock} is possible",
                  f"-- ask for the least: ALGORITHM={algo}, LOCK={lock}", table=view.table, size_sensitive=True,
                  lock=f"LOCK={view.lock}")
    elif lock != "NONE":
        what = ", ".join(o.what for o in found if o.lock != "NONE")
        yield Hit(f"{what} on {view.table} blocks writes (LOCK={lock}) for the whole build; {OSC}",
                  "-- run it in a quiet window, or with gh-ost / pt-online-schema-change", table=view.table,
                  size_sensitive=True, lock=f"LOCK={lock}")


@rule("mysql-table-rebuild", family="mysql-online", severity="info", dialects=("mysql",),
      summary="an online (INPLACE) rebuild: writes go on, but it reads and rewrites the whole table")
def table_rebuild(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    view: MyStatement = p.node
    found, algo, lock = _verdict(view, state)
    if algo == "INPLACE" and lock == "NONE" and any(o.rebuild for o in found) and view.table:
        what = ", ".join(o.what for o in found if o.rebuild)
        yield Hit(f"{what} rebuilds {view.table} in place: online (LOCK=NONE), but it rewrites the table, needs "
                  "free disk of its size and lags replicas by the whole duration",
                  "-- add ALGORITHM=INPLACE, LOCK=NONE so the server refuses rather than falls back to a copy",
                  table=view.table, size_sensitive=True, rewrites=True)


def _alter_clause(view: MyStatement) -> str:
    return ", ".join(s.text for s in view.specs).replace('"', "'")
