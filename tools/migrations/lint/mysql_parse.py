"""MySQL/MariaDB statements: split and locate with sqlglot's MySQL tokenizer, parse with sqlglot where it gives a
real tree (DML, CREATE TABLE), and read ALTER TABLE clause by clause from the tokens, because sqlglot keeps several
online-DDL clauses (ALGORITHM=, LOCK=, CONVERT TO CHARACTER SET, RENAME TABLE) only as an opaque Command."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.mysql import MySQL
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from dbsage.tools.errors import DbsageError
from dbsage.tools.migrations.lint.rules import Parsed
from dbsage.tools.migrations.lint.state import MigrationState, bare
from dbsage.tools.migrations.model import Statement

_VERBS = {"ALTER", "CREATE", "DROP", "RENAME", "INSERT", "UPDATE", "DELETE", "REPLACE", "SET", "START", "BEGIN",
          "COMMIT", "ROLLBACK", "USE", "TRUNCATE", "OPTIMIZE", "ANALYZE", "SELECT", "WITH", "GRANT", "REVOKE",
          "LOCK", "UNLOCK", "CALL", "DO", "SAVEPOINT", "RELEASE", "FLUSH", "REPAIR", "CHECK", "SHOW"}


@dataclass
class Spec:
    """One clause of an ALTER TABLE (`ADD COLUMN …`, `MODIFY …`, `ALGORITHM=INPLACE`): its words and raw text."""

    words: list[str]
    text: str
    tokens: list[Token] = field(repr=False, default_factory=list)

    def starts(self, *words: str) -> bool:
        return self.words[:len(words)] == list(words)

    def has(self, word: str) -> bool:
        return word in self.words


@dataclass
class MyStatement:
    verb: str
    table: str | None = None
    specs: list[Spec] = field(default_factory=list)
    algorithm: str | None = None
    lock: str | None = None
    tree: exp.Expression | None = None
    words: list[str] = field(default_factory=list)


def parse(text: str, filename: str) -> list[Parsed]:
    try:
        tokens = MySQL().tokenize(text)
    except TokenError as exc:
        raise DbsageError(f"{filename}: MySQL cannot read this file: {exc}",
                          "look for an unclosed quote or comment near the position shown") from None
    out: list[Parsed] = []
    for index, chunk in enumerate(_split(tokens)):
        sql = text[chunk[0].start:chunk[-1].end + 1]
        verb = chunk[0].text.upper()
        if verb not in _VERBS:
            raise DbsageError(f"{filename}:{chunk[0].line}:{chunk[0].col - len(chunk[0].text) + 1}: "
                              f"MySQL cannot parse this: {chunk[0].text!r} does not start a statement",
                              "fix the SQL there, or pass --dialect postgres if this is a PostgreSQL migration")
        view = _view(chunk, sql, filename)
        stmt = Statement(index=index, file=filename, line=chunk[0].line, sql=sql, kind=_kind(view))
        stmt.tables = [bare(view.table)] if view.table else []
        stmt.lock = _lock(view)
        out.append(Parsed(stmt, view, "mysql"))
    return out


def _split(tokens: list[Token]) -> list[list[Token]]:
    chunks: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            chunks.append([])
        else:
            chunks[-1].append(token)
    return [c for c in chunks if c]


def _flatten(chunk: list[Token]) -> tuple[list[str], list[Token]]:
    """Words and their tokens, one per word: sqlglot keeps some keyword pairs as one token ('FOREIGN KEY'), and
    reads what follows a command keyword (RENAME) as one raw token, which we tokenize again."""
    if len(chunk) == 2 and chunk[0].token_type in MySQL.Tokenizer.COMMANDS:
        with contextlib.suppress(TokenError):  # keep the raw token: a word less, never a crash
            chunk = [chunk[0], *MySQL().tokenize(chunk[1].text)]
    words: list[str] = []
    tokens: list[Token] = []
    for token in chunk:
        word = _word(token)
        parts = [word] if word.startswith("\x00") else word.split() or [word]
        words.extend(parts)
        tokens.extend([token] * len(parts))
    return words, tokens


def _view(chunk: list[Token], sql: str, filename: str) -> MyStatement:
    words, chunk = _flatten(chunk)
    view = MyStatement(verb=words[0], words=words)
    if words[:2] == ["ALTER", "TABLE"]:
        _alter(view, chunk)
    elif words[:2] == ["RENAME", "TABLE"] and len(chunk) > 2:
        view.table = chunk[2].text
    elif words[0] == "CREATE" and "INDEX" in words[:4]:
        _create_index(view, chunk)
    else:
        view.tree = _tree(sql, chunk, filename)
        table = view.tree.find(exp.Table) if view.tree is not None else None
        view.table = table.name if table is not None and table.name else None
    return view


def _word(token: Token) -> str:
    """Keywords upper-cased; identifiers and strings keep their spelling (quoted ones can never match a keyword)."""
    if token.token_type in (TokenType.IDENTIFIER, TokenType.STRING):
        return "\x00" + token.text
    return token.text.upper()


def _tree(sql: str, chunk: list[Token], filename: str) -> exp.Expression | None:
    logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its "falling back to Command" notes are ours to handle
    try:
        tree = sqlglot.parse_one(sql, read="mysql")
        return tree if isinstance(tree, exp.Expression) else None
    except ParseError as exc:
        detail = exc.errors[0] if exc.errors else {}
        line = chunk[0].line + int(detail.get("line", 1)) - 1
        raise DbsageError(f"{filename}:{line}:{detail.get('col', 1)}: MySQL cannot parse this: "
                          f"{detail.get('description', exc)}", "fix the SQL there") from None


def _alter(view: MyStatement, chunk: list[Token]) -> None:
    # ALTER TABLE [IF EXISTS] name spec, spec, …
    rest = chunk[2:]
    if len(rest) > 2 and _word(rest[0]) == "IF" and _word(rest[1]) == "EXISTS":
        rest = rest[2:]
    if not rest:
        return
    view.table, rest = _name(rest)
    for spec in _specs(rest):
        if spec.starts("ALGORITHM") or spec.starts("LOCK"):
            value = spec.words[-1].strip("\x00").upper()
            if spec.starts("ALGORITHM"):
                view.algorithm = value
            else:
                view.lock = value
        else:
            view.specs.append(spec)


def _name(tokens: list[Token]) -> tuple[str, list[Token]]:
    """A possibly qualified name at the front of `tokens` (db.table), and what follows it."""
    name, i = tokens[0].text, 1
    while i + 1 < len(tokens) and tokens[i].token_type == TokenType.DOT:
        name, i = f"{name}.{tokens[i + 1].text}", i + 2
    return name, tokens[i:]


def _specs(tokens: list[Token]) -> list[Spec]:
    """Split at commas outside parentheses."""
    specs: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.token_type == TokenType.L_PAREN:
            depth += 1
        elif token.token_type == TokenType.R_PAREN:
            depth -= 1
        if token.token_type == TokenType.COMMA and depth == 0:
            specs.append([])
        else:
            specs[-1].append(token)
    return [Spec(_flatten(s)[0], " ".join(t.text for t in s), s) for s in specs if s]


def _create_index(view: MyStatement, chunk: list[Token]) -> None:
    words = view.words
    on = words.index("ON") if "ON" in words else -1
    if on > 0 and on + 1 < len(chunk):
        view.table, _ = _name(chunk[on + 1:])
    for i, word in enumerate(words[:-1]):
        j = i + 2 if words[i + 1] == "=" else i + 1
        if word in ("ALGORITHM", "LOCK") and j < len(words):
            setattr(view, word.lower(), words[j].strip("\x00").upper())


def _kind(view: MyStatement) -> str:
    if view.tree is not None and not isinstance(view.tree, exp.Command):
        return type(view.tree).__name__
    return " ".join(w for w in view.words[:2] if not w.startswith("\x00"))


def _lock(view: MyStatement) -> str:
    if view.lock:
        return f"LOCK={view.lock}"
    if view.verb in ("ALTER", "RENAME", "DROP", "TRUNCATE") or (view.verb == "CREATE" and "INDEX" in view.words[:4]):
        return "METADATA"
    return "NONE"


def type_text(words: list[str]) -> str:
    """A column type from its words, lower case: `varchar(40)`, `bigint`."""
    if not words:
        return ""
    text = words[0].lower()
    if len(words) > 1 and words[1] == "(":
        end = words.index(")") if ")" in words else len(words)
        text += "(" + "".join(words[2:end]).lower() + ")"
    return text


# ADD … that adds something other than a column
_NOT_A_COLUMN = frozenset(("INDEX", "KEY", "UNIQUE", "FULLTEXT", "SPATIAL", "PRIMARY", "CONSTRAINT", "FOREIGN",
                           "CHECK", "PARTITION", "IF"))


def advance(parsed: Parsed, state: MigrationState) -> None:
    view: Any = parsed.node
    words = view.words
    if view.verb in ("BEGIN", "START") and (view.verb == "BEGIN" or words[:2] == ["START", "TRANSACTION"]):
        state.begin(parsed.stmt.line)
    elif view.verb in ("COMMIT", "ROLLBACK"):
        state.end()
    elif view.verb == "CREATE" and "TABLE" in words[:4] and view.table:
        state.created.add(bare(view.table))
    elif view.verb == "SET":
        joined = " ".join(words).replace("@@SESSION.", "").replace("@@", "").upper()
        if "FOREIGN_KEY_CHECKS" in joined:
            state.foreign_key_checks = not any(w in ("0", "OFF", "FALSE") for w in words)
        if "LOCK_WAIT_TIMEOUT" in joined:
            state.lock_timeout = True
    elif words[:2] == ["ALTER", "TABLE"] and view.table:
        for spec in view.specs:
            w = spec.words
            i = 2 if len(w) > 2 and w[1] == "COLUMN" else 1
            if spec.starts("ADD") and i < len(w) and w[i] not in _NOT_A_COLUMN:
                state.added_columns[(bare(view.table), w[i].strip("\x00").lower())] = type_text(w[i + 1:])
    elif words[:2] == ["RENAME", "TABLE"] and state.is_new(view.table) and "TO" in words:
        state.created.add(bare(words[words.index("TO") + 1].strip("\x00")))
