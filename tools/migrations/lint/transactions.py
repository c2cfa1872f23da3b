"""Rules about the sequence across statements: what may not run in a transaction block, VALIDATE in its NOT VALID's
transaction, lock_timeout before strong locks, and BEGIN/COMMIT shape."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast, enums

from dbsage.tools.migrations.lint.postgres_parse import AE, SH, SRE
from dbsage.tools.migrations.lint.rules import Hit, Parsed, rule
from dbsage.tools.migrations.lint.state import MigrationState

TS = enums.TransactionStmtKind
_TX_NOTE = "(a BEGIN in the file, or a migration tool that wraps each file in a transaction)"


@rule("concurrently-in-transaction", family="transactions", severity="error",
      summary="CONCURRENTLY cannot run inside a transaction block",
      squawk=("ban-concurrent-index-creation-in-transaction",))
def concurrently_in_tx(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    if state.in_transaction and not p.stmt.transactional and "CONCURRENTLY" in p.stmt.sql.upper():
        yield Hit(f"this CONCURRENTLY statement is inside a transaction block {_TX_NOTE}: PostgreSQL refuses it "
                  "(ERROR: cannot run inside a transaction block)",
                  "-- run it on its own, outside BEGIN … COMMIT (Alembic: autocommit_block(); Django: atomic = False)")


@rule("statement-in-transaction", family="transactions", severity="error",
      summary="VACUUM, CREATE/DROP DATABASE, and ALTER TYPE … ADD VALUE before 12 cannot run in a transaction")
def statement_in_tx(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    if not state.in_transaction:
        return
    node = p.node
    enum_old = isinstance(node, ast.AlterEnumStmt) and node.newVal and not node.oldVal and not state.at_least(12)
    if (not p.stmt.transactional and "CONCURRENTLY" not in p.stmt.sql.upper()) or enum_old:
        what = "ALTER TYPE … ADD VALUE (before PostgreSQL 12)" if enum_old else p.stmt.sql.split()[0].upper()
        yield Hit(f"{what} cannot run inside a transaction block {_TX_NOTE}: the migration fails",
                  "-- run it on its own, outside BEGIN … COMMIT")


@rule("validate-in-same-transaction", family="transactions", severity="warning",
      summary="VALIDATE CONSTRAINT in the transaction that added it NOT VALID keeps the strong lock through the scan",
      kb="constraints-not-valid")
def validate_same_tx(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    if not (isinstance(node, ast.AlterTableStmt) and state.in_transaction):
        return
    for cmd in node.cmds or ():
        if cmd.subtype == enums.AlterTableType.AT_ValidateConstraint and cmd.name in state.not_valid:
            _, tx = state.not_valid[cmd.name]
            if tx == state.transaction_id or (tx == -1 and state.assume_in_transaction):
                yield Hit(f"VALIDATE CONSTRAINT {cmd.name} runs in the transaction that added it NOT VALID: the lock "
                          "taken by ADD CONSTRAINT is held through the whole validating scan, which is what NOT VALID "
                          "was meant to avoid", "COMMIT;  -- end the transaction that added the constraint\n"
                          f"ALTER TABLE … VALIDATE CONSTRAINT {cmd.name};  -- in its own transaction", scans=True)


_NEEDS_TIMEOUT = {AE, SRE, SH}  # locks that block writes (EXCLUSIVE: only LOCK TABLE and matview refresh)


@rule("lock-timeout-missing", family="transactions", severity="warning",
      summary="no lock_timeout before a statement that takes a lock blocking writes on an existing table",
      squawk=("require-lock-timeout", "require-timeout-settings"), kb="lock-timeout")
def lock_timeout(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    stmt = p.stmt
    if stmt.lock not in _NEEDS_TIMEOUT or state.lock_timeout_active():
        return
    existing = [t for t in stmt.tables if not state.is_new(t)]
    dropping_index = isinstance(p.node, ast.DropStmt) and p.node.removeType == enums.ObjectType.OBJECT_INDEX
    if not existing and not dropping_index:
        return
    table = existing[0] if existing else None
    yield Hit(f"takes {stmt.lock} on {table or 'the index’s table'} with no lock_timeout: if a long query holds the "
              "table, this statement waits, and every query after it queues behind it (an outage on a busy table)",
              "SET lock_timeout = '3s';  -- fail fast and retry, instead of queueing everyone\n" + stmt.sql + ";",
              table=table, size_sensitive=table is not None)


@rule("statement-timeout-missing", family="transactions", severity="info",
      summary="no statement_timeout before a statement that may run long", squawk=("require-statement-timeout",))
def statement_timeout(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    stmt = p.stmt
    if stmt.lock in _NEEDS_TIMEOUT and not state.statement_timeout and any(not state.is_new(t) for t in stmt.tables):
        yield Hit("no statement_timeout is set: if this runs longer than expected it holds its lock until someone "
                  "cancels it", "SET statement_timeout = '15min';  -- an upper bound you can accept")


@rule("transaction-nesting", family="transactions", severity="warning", squawk=("transaction-nesting",),
      summary="BEGIN inside an open transaction (PostgreSQL ignores it; the first COMMIT ends everything)")
def nesting(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    node = p.node
    if isinstance(node, ast.TransactionStmt) and node.kind in (TS.TRANS_STMT_BEGIN, TS.TRANS_STMT_START) \
            and state.in_transaction:
        where = f"line {state.transaction_line}" if state.explicit_transaction else "the migration tool"
        yield Hit(f"a transaction is already open (from {where}): this BEGIN is ignored and the first COMMIT ends the "
                  "outer transaction too", "-- remove the inner BEGIN/COMMIT, or use SAVEPOINT")


@rule("uncommitted-transaction", family="transactions", severity="warning", squawk=("ban-uncommitted-transaction",),
      summary="the file ends with a transaction still open", dialects=("postgres", "mysql"))
def uncommitted(p: Parsed, state: MigrationState) -> Iterator[Hit]:
    if not getattr(p, "last", False):
        return
    words = p.stmt.sql.split()
    first = words[0].upper() if words else ""
    opens = first in ("BEGIN", "START") and not state.explicit_transaction
    closes = first in ("COMMIT", "ROLLBACK", "END")
    if (state.explicit_transaction and not closes) or opens:
        yield Hit("the file ends inside BEGIN … without COMMIT: the changes are rolled back (or the session is left "
                  "holding its locks)", "COMMIT;")
