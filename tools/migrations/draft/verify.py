"""A last check on every draft: each PostgreSQL step parses (pglast, the server's own grammar) as exactly one
statement. User-given fragments are checked for `;` on the way in (context.fragment); this catches what slips past,
e.g. a type name that is not a type, before a person reads the draft or a tool runs it."""

from __future__ import annotations

from dbsage.tools.errors import UsageError
from dbsage.tools.migrations.draft.model import MigrationDraft


def verify_draft(draft: MigrationDraft) -> None:
    if draft.engine != "postgres":
        return  # MySQL steps carry ALGORITHM/LOCK clauses and procedure bodies no parser here reads whole
    import pglast

    for step in [*draft.up, *draft.down]:
        try:
            statements = pglast.parse_sql(step.sql)
        except pglast.parser.ParseError as exc:
            raise UsageError(f"the draft does not parse: {exc} in: {step.sql[:200]}",
                             "check --type, --default, --check, --set and --where") from None
        if len(statements) != 1:
            raise UsageError(f"a draft step holds {len(statements)} statements: {step.sql[:200]}",
                             "check --type, --default, --check, --set and --where")
