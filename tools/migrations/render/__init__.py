"""Render a MigrationDraft as the files of the team's migration tool, in its real layout and idiom.

Map: one module per tool — `sql` (psql / mysql scripts), `alembic`, `django`, `prisma`, `drizzle`, `typeorm`,
`sequelize`, `flyway` — each with `render(draft, context) -> list[RenderedFile]`; `common.py` holds the units (one
per phase), headers and escaping they share. Nothing here touches a database.

To add a tool: write `render/<tool>.py` with `render`, add it to FORMATS, and a case to tests/test_render.py that
checks the output with the tool's own parser or runner.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from dbsage.tools.errors import DbsageError, UsageError
from dbsage.tools.migrations.draft.model import MigrationDraft
from dbsage.tools.migrations.render import alembic, django, drizzle, flyway, prisma, sequelize, sql, typeorm
from dbsage.tools.migrations.render.common import RenderContext, RenderedFile

Renderer = Callable[[MigrationDraft, RenderContext], list[RenderedFile]]

FORMATS: dict[str, Renderer] = {
    "sql": sql.render,
    "alembic": alembic.render,
    "django": django.render,
    "prisma": prisma.render,
    "drizzle": drizzle.render,
    "typeorm": typeorm.render,
    "sequelize": sequelize.render,
    "flyway": flyway.render,
}


def render_draft(draft: MigrationDraft, fmt: str, *, out_dir: Path | None = None, when: datetime | None = None,
                 version: str | None = None) -> list[RenderedFile]:
    """The files `fmt` wants for `draft`; `out_dir` (when it exists) is read to chain onto its newest migration."""
    renderer = FORMATS.get(fmt)
    if renderer is None:
        raise UsageError(f"unknown migration format {fmt!r}", f"use one of: {', '.join(FORMATS)}")
    context = RenderContext(when=(when or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0),
                            out_dir=out_dir, version=version)
    return renderer(draft, context)


def write_files(files: list[RenderedFile], out_dir: Path) -> list[Path]:
    """Write the files under `out_dir`; an existing migration file is never overwritten (a journal is updated)."""
    written = []
    for file in files:
        path = out_dir / file.path
        if path.exists() and path.name != "_journal.json":
            raise DbsageError(f"{path} exists already; dbsage does not overwrite migrations",
                              "pick another --out directory or remove the file")
    for file in files:
        path = out_dir / file.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(file.content, encoding="utf-8")
        except OSError as exc:
            raise DbsageError(f"cannot write {path}: {exc.strerror}", "check the --out directory") from None
        written.append(path)
    return written


__all__ = ["FORMATS", "RenderContext", "RenderedFile", "render_draft", "write_files"]
