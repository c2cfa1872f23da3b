"""Prisma Migrate: `migrations/<timestamp>_<name>/migration.sql`. Prisma may run a migration file as one
transaction, where CREATE INDEX CONCURRENTLY fails — so every transaction group of a phase gets its own migration
folder (a CONCURRENTLY statement alone in its file), stamped one second apart to keep their order. Prisma has no down
migrations: the phase's undo goes to `down.sql` in the phase's last folder, for `prisma db execute --file` and
`prisma migrate resolve --rolled-back`."""

from __future__ import annotations

from datetime import timedelta

from dbsage.tools.migrations.draft.model import MigrationDraft, sql_script, transaction_groups
from dbsage.tools.migrations.render.common import RenderContext, RenderedFile, header_lines, sql_comment, units


def render(draft: MigrationDraft, context: RenderContext) -> list[RenderedFile]:
    files = []
    tick = 0
    for unit in units(draft):
        head = sql_comment(header_lines(draft, unit, context.when))
        groups = transaction_groups(unit.phase.up)
        folder = ""
        for index, group in enumerate(groups, 1):
            stamp = (context.when + timedelta(seconds=tick)).strftime("%Y%m%d%H%M%S")
            tick += 1
            part = f"_{index}" if len(groups) > 1 else ""
            folder = f"migrations/{stamp}_{unit.name}{part}"
            # no BEGIN/COMMIT: Prisma manages the transaction of the file itself
            body = sql_script(group, draft.engine, transactions=False)
            files.append(RenderedFile(f"{folder}/migration.sql", f"{head}\n\n{body}"))
        down = sql_script(unit.phase.down, draft.engine) or "-- nothing to undo\n"
        files.append(RenderedFile(f"{folder}/down.sql",
                                  f"{head}\n-- Undo: npx prisma db execute --file {folder}/down.sql, then\n"
                                  "-- npx prisma migrate resolve --rolled-back for each folder of this phase.\n\n"
                                  f"{down}"))
    return files
