"""What a builder knows when it drafts: the server, and — with a live database — the table as it is now.

Without `--db` the builders work from the options alone (and say what they could not check); with it, `live.py`
fills `table`, `partitions` and `tables` so that the draft copies the column's real type, default and nullability,
finds an existing index, and handles partitioned tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dbsage.tools.errors import UsageError
from dbsage.tools.index_ddl import quote_ident
from dbsage.tools.migrations.draft.model import (
    DraftEngine,
    DraftRequest,
    MigrationDraft,
    PhaseName,
    ServerVersion,
    Step,
)
from dbsage.tools.schema import Column, Table


@dataclass
class DraftContext:
    request: DraftRequest
    server: ServerVersion
    table: Table | None = None
    partitions: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    @property
    def engine(self) -> DraftEngine:
        return self.server.engine

    @property
    def live(self) -> bool:
        return self.table is not None

    @property
    def partitioned(self) -> bool:
        return self.table is not None and self.table.kind == "partitioned table"

    def column(self, name: str) -> Column | None:
        if self.table is None:
            return None
        return next((c for c in self.table.columns if c.name.lower() == name.lower()), None)

    def make(self, title: str, up: list[Step], down: list[Step], *, app_steps: list[str] | None = None,
             notes: list[str] | None = None) -> MigrationDraft:
        """The draft, named after the intent and what it touches (`add_index_orders_customer_id`)."""
        request = self.request
        touched = [bare_name(request.table), *request.columns, request.new_name or ""]
        notes = list(notes or [])
        if self.server.assumed:
            notes.append(f"Drafted for {self.server.label} (assumed): give --db or --server-version for yours.")
        if not self.live:
            notes.append("Not checked against a database: give --db to check that the table and columns exist and "
                         "to copy their real types, defaults and indexes.")
        return MigrationDraft(intent=request.intent, engine=self.engine, server=self.server,
                              name=slug(" ".join([request.intent, *touched])), title=title, table=request.table,
                              up=up, down=down, app_steps=app_steps or [], notes=notes, checked_live=self.live,
                              live_columns={c.name.lower(): c.type for c in self.table.columns} if self.table else {})

    def claim(self, name: str, what: str) -> None:
        """Refuse a name an index or constraint of this schema already has: the up step would fail on it, and the
        down step (DROP … IF EXISTS) would drop the object that was there before. Only known with --db."""
        if self.table is None:
            return
        wanted = name.lower()
        for table in self.tables or [self.table]:
            if table.schema_name != self.table.schema_name:
                continue
            taken = [c.name for c in table.constraints if c.name.lower() == wanted]
            taken += [i.name for i in table.indexes if i.name.lower() == wanted]
            if taken:
                raise UsageError(f"{table.schema_name}.{table.name} already has an index or constraint named "
                                 f"{taken[0]}; the {what} needs another name",
                                 "check whether the change is already there (dbsage schema TABLE); else give --name")

    # -- SQL text ------------------------------------------------------------------------------------------------

    def ident(self, name: str) -> str:
        """One identifier, quoted when it must be (PostgreSQL: upper case, odd characters, reserved words)."""
        if self.engine == "mysql":
            return "`" + name.replace("`", "``") + "`"
        return quote_ident(name)  # the same quoting as every other PostgreSQL DDL dbsage writes

    def qualified(self, name: str) -> str:
        """`schema.table` or `table`, each part quoted as needed."""
        return ".".join(self.ident(part) for part in split_name(name))

    def idents(self, names: list[str]) -> str:
        return ", ".join(self.ident(n) for n in names)

    def literal(self, text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    def lock_timeout(self, phase: PhaseName = "expand", new_transaction: bool = False) -> Step:
        """Give up instead of queueing: a DDL statement waiting for its lock (PostgreSQL's ACCESS EXCLUSIVE, MySQL's
        metadata lock) blocks every query that arrives after it, so one long transaction would stall the table."""
        timeout = self.request.lock_timeout
        if self.engine == "mysql":
            seconds = max(1, round(_seconds(timeout)))
            return Step(sql=f"SET SESSION lock_wait_timeout = {seconds}", phase=phase,
                        comment=f"Wait at most {seconds}s for the metadata lock: a queued ALTER blocks every query "
                                "behind it. If it times out nothing has changed — rerun; if it keeps timing out, find "
                                "the long transaction on the table (SHOW PROCESSLIST) and retry when it is gone.")
        return Step(sql=f"SET lock_timeout = {self.literal(timeout)}", phase=phase, new_transaction=new_transaction,
                    comment=f"Give up after {timeout} instead of queueing: a waiting ALTER blocks every query behind "
                            "it. On a timeout nothing changed — rerun; if it keeps timing out, a long transaction "
                            "holds "
                            "the table (pg_stat_activity): retry when it is gone.")


def _seconds(timeout: str) -> float:
    """'3s', '500ms', '2min', '3' (seconds) → seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|min)?\s*", timeout)
    if match is None:
        raise UsageError(f"cannot read the lock timeout {timeout!r}", "give it as 3s, 500ms or 1min")
    value, unit = float(match[1]), match[2] or "s"
    return value / 1000 if unit == "ms" else value * 60 if unit == "min" else value


def split_name(name: str) -> list[str]:
    """`public.orders` → ['public', 'orders']; a name in double quotes or backticks keeps its dots."""
    parts, current, quote = [], "", ""
    for char in name.strip():
        if quote:
            if char == quote:
                quote = ""
            else:
                current += char
        elif char in "\"`":
            quote = char
        elif char == ".":
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p for p in parts if p]


def bare_name(name: str) -> str:
    return split_name(name)[-1]




def fragment(text: str | None, option: str) -> str:
    """A piece of SQL the user gave (a type, a default, a CHECK expression …), checked to be one expression: a `;`
    outside quotes would smuggle a second statement into a migration someone approves by reading it."""
    if text is None or not text.strip():
        raise UsageError(f"{option} is missing or empty: this change needs it", f"add {option} VALUE")
    import sqlglot.tokens

    try:
        tokens = sqlglot.tokens.Tokenizer().tokenize(text)
    except Exception as exc:  # sqlglot raises its own TokenError; any failure means we cannot vouch for it
        raise UsageError(f"{option} is not SQL dbsage can read: {exc}", f"check the quoting in {option}") from None
    if any(token.token_type == sqlglot.tokens.TokenType.SEMICOLON for token in tokens):
        raise UsageError(f"{option} holds a ';' — it must be one expression, not a statement",
                         f"remove the ';' from {option}")
    return text.strip()


def object_name(parts: list[str], suffix: str, engine: DraftEngine) -> str:
    """PostgreSQL's own naming (`orders_customer_id_idx`), cut to the engine's identifier limit."""
    limit = 63 if engine == "postgres" else 64
    stem = "_".join(bare_name(p) for p in parts if p)
    stem = re.sub(r"[^A-Za-z0-9_]+", "_", stem).strip("_") or "x"
    return f"{stem[: limit - len(suffix) - 1]}_{suffix}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:80] or "migration"
