"""Flyway: `V<version>__<name>.sql` and its undo `U<version>__<name>.sql` (undo is a Flyway Teams feature; the file
documents the way back either way). Flyway runs a script in one transaction, so each transaction group of a phase
is its own version (`V<version>_<n>`, which Flyway reads as <version>.<n>); a group that must run outside a
transaction gets a script configuration file `<script>.conf` with `executeInTransaction=false`. A phase's whole undo
sits in the U file of its last version, which `flyway undo` reaches first; earlier versions' U files say so."""

from __future__ import annotations

import re

from dbsage.tools.migrations.draft.model import MigrationDraft, sql_script, transaction_groups
from dbsage.tools.migrations.render.common import RenderContext, RenderedFile, header_lines, sql_comment, units


def render(draft: MigrationDraft, context: RenderContext) -> list[RenderedFile]:
    base = _version(context)
    files: list[RenderedFile] = []
    for phase_index, unit in enumerate(units(draft), 1):
        head = sql_comment(header_lines(draft, unit, context.when))
        groups = transaction_groups(unit.phase.up)
        for index, group in enumerate(groups, 1):
            version = f"{base}_{phase_index}_{index}"
            script = f"V{version}__{unit.name}.sql"
            files.append(RenderedFile(script, f"{head}\n\n{sql_script(group, draft.engine, transactions=False)}"))
            if not group[0].transactional:
                files.append(RenderedFile(f"{script}.conf", "# CONCURRENTLY / a committing DO block cannot run "
                                                            "inside a transaction\nexecuteInTransaction=false\n"))
            last = index == len(groups)
            undo = (sql_script(unit.phase.down, draft.engine, transactions=False) or "-- nothing to undo\n") if last \
                else f"-- undone by U{base}_{phase_index}_{len(groups)}__{unit.name}.sql (this phase's last version)\n"
            files.append(RenderedFile(f"U{version}__{unit.name}.sql", f"{head}\n\n{undo}"))
            if last and any(not s.transactional for s in unit.phase.down):
                files.append(RenderedFile(f"U{version}__{unit.name}.sql.conf", "executeInTransaction=false\n"))
    return files


def _version(context: RenderContext) -> str:
    if context.version:
        return re.sub(r"[^0-9_]", "_", context.version.replace(".", "_"))
    return context.when.strftime("%Y%m%d%H%M%S")
