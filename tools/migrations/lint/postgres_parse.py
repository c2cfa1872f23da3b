"""PostgreSQL statements with pglast (the server's own grammar): split, locate (file:line), classify each one's
table lock, and advance the migration state (transactions, timeouts, tables created, NOT VALID constraints)."""

from __future__ import annotations

from typing import Any

from pglast import ast, enums
from pglast.parser import ParseError, parse_sql, scan
from pglast.stream import RawStream

from dbsage.tools.errors import DbsageError
from dbsage.tools.migrations.lint.rules import Parsed
from dbsage.tools.migrations.lint.state import MigrationState, bare
from dbsage.tools.migrations.model import Statement

AT = enums.AlterTableType
OT = enums.ObjectType
AE, SUE, SRE, SH, RE = "ACCESS EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE ROW EXCLUSIVE", "SHARE", "ROW EXCLUSIVE"
# LOCK TABLE's mode numbers (lockdefs.h) → names
LOCK_MODES = {1: "ACCESS SHARE", 2: "ROW SHARE", 3: RE, 4: SUE, 5: SH, 6: SRE, 7: "EXCLUSIVE", 8: AE}
# ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE (PostgreSQL docs, ALTER TABLE "Notes")
_WEAKER_AT: dict[Any, str] = {
    AT.AT_SetStatistics: SUE, AT.AT_ValidateConstraint: SUE, AT.AT_ClusterOn: SUE, AT.AT_DropCluster: SUE,
    AT.AT_SetRelOptions: SUE, AT.AT_ResetRelOptions: SUE, AT.AT_AttachPartition: SUE,
    AT.AT_EnableTrig: SRE, AT.AT_DisableTrig: SRE, AT.AT_EnableTrigAll: SRE, AT.AT_DisableTrigAll: SRE,
    AT.AT_EnableTrigUser: SRE, AT.AT_DisableTrigUser: SRE, AT.AT_EnableAlwaysTrig: SRE,
    AT.AT_EnableReplicaTrig: SRE,
}
_STRENGTH = ["NONE", "ACCESS SHARE", "ROW SHARE", RE, SUE, SH, SRE, "EXCLUSIVE", AE]


def stronger(a: str, b: str) -> str:
    return a if _STRENGTH.index(a) >= _STRENGTH.index(b) else b


def parse(text: str, filename: str) -> list[Parsed]:
    """Every statement of `text`, in order; a DbsageError with line:column when PostgreSQL cannot parse it."""
    try:
        raws = parse_sql(text)
    except ParseError as exc:
        offset = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
        line, column = position(text, offset)
        raise DbsageError(f"{filename}:{line}:{column}: PostgreSQL cannot parse this: {exc.args[0]}",
                          "fix the SQL there, or pass --dialect mysql if this is a MySQL migration") from None
    out = []
    for index, raw in enumerate(raws):
        # pglast reports character offsets into the str it was given
        start = raw.stmt_location or 0
        end = start + raw.stmt_len if raw.stmt_len else len(text)
        chunk = text[start:end]
        lead = _first_token(chunk)
        sql = chunk[lead:].strip().rstrip(";").strip()
        line = text[:start].count("\n") + chunk[:lead].count("\n") + 1
        stmt = Statement(index=index, file=filename, line=line, sql=sql, kind=type(raw.stmt).__name__)
        describe(stmt, raw.stmt)
        out.append(Parsed(stmt, raw.stmt, "postgres"))
    return out


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    before = text[:offset]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def _first_token(chunk: str) -> int:
    """Character offset of the first token that is not a comment (a statement's line is its first word's)."""
    try:
        tokens = scan(chunk)
    except Exception:  # the chunk parsed as part of the whole text; a scan failure only costs precision
        return len(chunk) - len(chunk.lstrip())
    for token in tokens:
        if token.name not in ("SQL_COMMENT", "C_COMMENT"):
            return int(token.start)
    return 0


def relname(rv: Any) -> str | None:
    if rv is None:
        return None
    return f"{rv.schemaname}.{rv.relname}" if getattr(rv, "schemaname", None) else rv.relname


def deparse(node: Any) -> str:
    return str(RawStream()(node))


def has_option(options: Any, name: str) -> bool:
    return any(isinstance(o, ast.DefElem) and o.defname == name for o in options or ())


def describe(stmt: Statement, node: Any) -> None:
    """Fill in the lock, the tables and whether it may run in a transaction block."""
    lock, tables, transactional = "NONE", [], True
    match node:
        case ast.AlterTableStmt():
            tables = [relname(node.relation)]
            lock = "NONE"
            for cmd in node.cmds or ():
                lock = stronger(lock, _alter_cmd_lock(cmd))
            if node.objtype == OT.OBJECT_INDEX:
                lock = SUE
        case ast.IndexStmt():
            tables = [relname(node.relation)]
            lock, transactional = (SUE, False) if node.concurrent else (SH, True)
        case ast.DropStmt():
            lock = AE
            if node.removeType == OT.OBJECT_INDEX and node.concurrent:
                lock, transactional = SUE, False
            if node.removeType in (OT.OBJECT_TABLE, OT.OBJECT_MATVIEW, OT.OBJECT_VIEW):
                tables = [".".join(n.sval for n in obj) for obj in node.objects or ()]
        case ast.RenameStmt():
            tables = [relname(node.relation)] if node.relation else []
            lock = SUE if node.renameType == OT.OBJECT_INDEX else AE
        case ast.VacuumStmt():
            tables = [relname(r.relation) for r in node.rels or () if r.relation]
            full = node.is_vacuumcmd and has_option(node.options, "full")
            lock = AE if full else SUE
            transactional = not node.is_vacuumcmd
        case ast.ClusterStmt():
            tables, lock = [relname(node.relation)] if node.relation else [], AE
        case ast.ReindexStmt():
            concurrent = has_option(node.params, "concurrently")
            lock, transactional = (SUE, False) if concurrent else (SH, True)
            if node.relation and node.kind == enums.ReindexObjectType.REINDEX_OBJECT_TABLE:
                tables = [relname(node.relation)]
        case ast.TruncateStmt():
            tables, lock = [relname(r) for r in node.relations or ()], AE
        case ast.LockStmt():
            tables, lock = [relname(r) for r in node.relations or ()], LOCK_MODES.get(node.mode or 8, AE)
        case ast.RefreshMatViewStmt():
            tables, lock = [relname(node.relation)], "EXCLUSIVE" if node.concurrent else AE
        case ast.UpdateStmt() | ast.DeleteStmt() | ast.InsertStmt():
            tables, lock = [relname(node.relation)], RE
        case ast.CreateTrigStmt():
            tables, lock = [relname(node.relation)], SRE
        case ast.CreatedbStmt() | ast.DropdbStmt():
            transactional = False
        case ast.AlterEnumStmt():
            transactional = True  # the version check lives in the transactions rules
    stmt.lock, stmt.tables = lock, [bare(t) for t in tables if t]
    stmt.transactional = transactional


def _alter_cmd_lock(cmd: Any) -> str:
    if not isinstance(cmd, ast.AlterTableCmd):
        return AE
    if cmd.subtype == AT.AT_DetachPartition and getattr(cmd.def_, "concurrent", False):
        return SUE
    if cmd.subtype == AT.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint) \
            and cmd.def_.contype == enums.ConstrType.CONSTR_FOREIGN:
        return SRE
    return _WEAKER_AT.get(cmd.subtype, AE)


# -- the sequence across statements --------------------------------------------------------------------------------

def advance(parsed: Parsed, state: MigrationState) -> None:
    """Update the state after `parsed` ran (rules of the next statements see it)."""
    node, line = parsed.node, parsed.stmt.line
    TS = enums.TransactionStmtKind
    match node:
        case ast.TransactionStmt() if node.kind in (TS.TRANS_STMT_BEGIN, TS.TRANS_STMT_START):
            state.begin(line)
        case ast.TransactionStmt() if node.kind in (TS.TRANS_STMT_COMMIT, TS.TRANS_STMT_ROLLBACK,
                                                     TS.TRANS_STMT_COMMIT_PREPARED, TS.TRANS_STMT_PREPARE):
            state.end()
        case ast.VariableSetStmt():
            _setting(node, state)
        case ast.CreateStmt() | ast.CreateTableAsStmt():
            rel = node.relation if isinstance(node, ast.CreateStmt) else getattr(node.into, "rel", None)
            state.created.add(bare(relname(rel) or ""))
        case ast.CreateSeqStmt() | ast.ViewStmt():  # a dump's ALTER … OWNER TO on them locks nothing anyone uses
            state.created.add(bare(relname(node.sequence if isinstance(node, ast.CreateSeqStmt) else node.view)
                                   or ""))
        case ast.AlterTableStmt():
            for cmd in node.cmds or ():
                _remember_constraint(relname(node.relation) or "", cmd, state)
        case ast.RenameStmt() if node.renameType == OT.OBJECT_TABLE and state.is_new(relname(node.relation)):
            state.created.add(bare(node.newname or ""))


def _setting(node: Any, state: MigrationState) -> None:
    name = (node.name or "").lower()
    kind = enums.VariableSetKind
    on = node.kind == kind.VAR_SET_VALUE and not _is_zero(node.args)
    if name == "lock_timeout":
        if node.is_local:
            state.lock_timeout_local = on
        else:
            state.lock_timeout = on
    elif name == "statement_timeout":
        state.statement_timeout = on
    elif node.kind == kind.VAR_RESET_ALL:
        state.lock_timeout = state.statement_timeout = state.lock_timeout_local = False


def _is_zero(args: Any) -> bool:
    for arg in args or ():
        value = getattr(getattr(arg, "val", None), "sval", None) or getattr(getattr(arg, "val", None), "ival", None)
        if str(value).strip() in ("0", "0s", "0ms"):
            return True
    return False


def _remember_constraint(table: str, cmd: Any, state: MigrationState) -> None:
    con = cmd.def_ if isinstance(cmd, ast.AlterTableCmd) else None
    if cmd.subtype == AT.AT_AddConstraint and isinstance(con, ast.Constraint) and con.conname:
        if con.skip_validation:
            state.not_valid[con.conname] = (bare(table), state.transaction_id if state.in_transaction else -1)
        column = not_null_check_column(con)
        if column:
            state.not_null_checks[con.conname] = (bare(table), column)
            if not con.skip_validation:
                state.proven_not_null.add((bare(table), column))
    elif cmd.subtype == AT.AT_ValidateConstraint and cmd.name in state.not_null_checks:
        state.proven_not_null.add(state.not_null_checks[cmd.name])


def not_null_check_column(con: Any) -> str | None:
    """The column of a `CHECK (column IS NOT NULL)` constraint, else None."""
    if con.contype != enums.ConstrType.CONSTR_CHECK or not isinstance(con.raw_expr, ast.NullTest):
        return None
    test = con.raw_expr
    if test.nulltesttype != enums.NullTestType.IS_NOT_NULL or not isinstance(test.arg, ast.ColumnRef):
        return None
    fields = [f.sval for f in test.arg.fields or () if isinstance(f, ast.String) and f.sval]
    return fields[-1].lower() if fields else None
