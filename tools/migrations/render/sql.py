"""Plain SQL for psql or the mysql client: `NNNN_name.up.sql` and `NNNN_name.down.sql` per phase; transactional
steps inside BEGIN … COMMIT (PostgreSQL), the others bare. Run the up files in order and the down files in reverse."""

from __future__ import annotations

from dbsage.tools.migrations.draft.model import MigrationDraft, sql_script
from dbsage.tools.migrations.render.common import RenderContext, RenderedFile, header_lines, sql_comment, units


def render(draft: MigrationDraft, context: RenderContext) -> list[RenderedFile]:
    stamp = context.when.strftime("%Y%m%d%H%M%S")
    files = []
    for index, unit in enumerate(units(draft), 1):
        head = sql_comment(header_lines(draft, unit, context.when))
        base = f"{stamp}_{index:02d}_{unit.name}" if len(units(draft)) > 1 else f"{stamp}_{unit.name}"
        down = sql_script(unit.phase.down, draft.engine) or "-- nothing to undo\n"
        files.append(RenderedFile(f"{base}.up.sql", f"{head}\n\n{sql_script(unit.phase.up, draft.engine)}"))
        files.append(RenderedFile(f"{base}.down.sql", f"{head}\n\n{down}"))
    return files
