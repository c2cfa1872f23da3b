"""Drizzle Kit's layout: `<NNNN>_<name>.sql` with statements separated by `--> statement-breakpoint`, listed in
`meta/_journal.json` (appended to when the output directory has one). Drizzle has no down migrations: the undo goes
to `<NNNN>_<name>.down.sql`, which the migrator ignores (it reads only the files its journal lists).

Drizzle's `migrate()` runs all pending migrations in one transaction, where CONCURRENTLY and a committing backfill
fail: a file with such steps says so on top — apply those statements with psql, outside a transaction."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dbsage.tools.migrations.draft.model import MigrationDraft, Step, statement_text, step_comment
from dbsage.tools.migrations.render.common import RenderContext, RenderedFile, header_lines, sql_comment, units

BREAKPOINT = "--> statement-breakpoint"


def render(draft: MigrationDraft, context: RenderContext) -> list[RenderedFile]:
    journal = _journal(context.out_dir, "postgresql" if draft.engine == "postgres" else "mysql")
    files = []
    when_ms = int(context.when.timestamp() * 1000)
    for unit in units(draft):
        idx = len(journal["entries"])
        tag = f"{idx:04d}_{unit.name}"
        head = header_lines(draft, unit, context.when)
        if any(not s.transactional for s in unit.phase.up):
            head.append("WARNING: drizzle's migrate() runs pending migrations inside one transaction; the steps "
                        "marked 'outside a transaction' fail there. Run this file's statements with psql instead.")
        files.append(RenderedFile(f"{tag}.sql", f"{sql_comment(head)}\n{_statements(unit.phase.up, draft.engine)}"))
        files.append(RenderedFile(f"{tag}.down.sql",
                                  f"{sql_comment(head)}\n{_statements(unit.phase.down, draft.engine) or ''}"))
        journal["entries"].append({"idx": idx, "version": journal["version"], "when": when_ms + idx,
                                   "tag": tag, "breakpoints": True})
    files.append(RenderedFile("meta/_journal.json", json.dumps(journal, indent=2) + "\n"))
    return files


def _statements(steps: list[Step], engine: Any) -> str:
    parts = []
    for step in steps:
        where = "" if step.transactional else "-- outside a transaction\n"
        parts.append(f"{where}{step_comment(step)}\n{statement_text(step, engine)}")
    return f"\n{BREAKPOINT}\n".join(parts) + ("\n" if parts else "")


def _journal(out_dir: Path | None, dialect: str) -> dict[str, Any]:
    path = out_dir / "meta" / "_journal.json" if out_dir is not None else None
    if path is not None and path.is_file():
        journal: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        journal.setdefault("entries", [])
        return journal
    return {"version": "7", "dialect": dialect, "entries": []}
