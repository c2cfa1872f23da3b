"""Every lint rule, by id: importing the family modules registers their rules (rules.REGISTERED)."""

from __future__ import annotations

from dbsage.tools.migrations.lint import (  # noqa: F401  (imported for their @rule registrations)
    breaking,
    constraints,
    indexes,
    locking,
    mysql_online,
    rewrites,
    transactions,
    types,
)
from dbsage.tools.migrations.lint.rules import REGISTERED, Rule


def all_rules() -> dict[str, Rule]:
    return REGISTERED
