"""The rule registry: every rule declares its id, family, default severity, dialects and squawk's equivalents.

A rule is a function `(statement, state) -> iterable of Hit`. Family modules (locking.py, rewrites.py, …) register
theirs with `@rule(...)`; `catalog.all_rules()` imports them all (this module imports none of them: no circle).
To add a rule: write the function in its family's module, decorate it, add a table case in
tests/test_lint_rules.py and, if it covers a squawk rule, name it in `squawk`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dbsage.tools.migrations.model import Severity

if TYPE_CHECKING:
    from dbsage.tools.migrations.lint.state import MigrationState
    from dbsage.tools.migrations.model import Statement


@dataclass
class Parsed:
    """A statement with its parse: `node` is a pglast node (PostgreSQL) or a MySQL statement view (mysql_parse)."""

    stmt: Statement
    node: Any
    dialect: str
    last: bool = False


@dataclass
class Hit:
    """What a rule found. `table` + `size_sensitive` let the runner weigh it by the table's live size."""

    reason: str
    rewrite: str = ""
    table: str | None = None
    size_sensitive: bool = False
    severity: Severity | None = None
    lock: str | None = None
    rewrites: bool = False
    scans: bool = False


RuleFunc = Callable[["Parsed", "MigrationState"], Iterable[Hit]]


@dataclass
class Rule:
    id: str
    family: str
    severity: Severity
    dialects: tuple[str, ...]
    check: RuleFunc
    summary: str
    squawk: tuple[str, ...] = field(default_factory=tuple)
    kb: str | None = None


REGISTERED: dict[str, Rule] = {}


def rule(rule_id: str, *, family: str, severity: Severity, summary: str, dialects: tuple[str, ...] = ("postgres",),
         squawk: tuple[str, ...] = (), kb: str | None = None) -> Callable[[RuleFunc], RuleFunc]:
    def register(func: RuleFunc) -> RuleFunc:
        if rule_id in REGISTERED:
            raise ValueError(f"lint rule {rule_id!r} is registered twice")
        REGISTERED[rule_id] = Rule(rule_id, family, severity, dialects, func, summary, squawk, kb)
        return func

    return register
