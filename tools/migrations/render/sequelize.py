"""Sequelize (sequelize-cli / umzug): one `<YYYYMMDDHHMMSS>-<name>.js` per phase exporting async up/down that call
`queryInterface.sequelize.query`. Sequelize opens no transaction for a migration, so steps that belong together run
inside `sequelize.transaction(...)` and the others (CONCURRENTLY, a committing backfill) run bare."""

from __future__ import annotations

from datetime import timedelta

from dbsage.tools.migrations.draft.model import MigrationDraft, Step, transaction_groups
from dbsage.tools.migrations.render.common import (
    RenderContext,
    RenderedFile,
    header_lines,
    js_template,
    step_comment,
    units,
)


def render(draft: MigrationDraft, context: RenderContext) -> list[RenderedFile]:
    files = []
    for index, unit in enumerate(units(draft)):
        stamp = (context.when + timedelta(seconds=index)).strftime("%Y%m%d%H%M%S")
        head = "\n".join(f" * {line}".rstrip() for line in header_lines(draft, unit, context.when))
        wrap = draft.engine == "postgres"
        text = f"""'use strict';

/**
{head}
 */

/** @type {{import('sequelize-cli').Migration}} */
module.exports = {{
  async up(queryInterface) {{
{_body(unit.phase.up, wrap)}
  }},

  async down(queryInterface) {{
{_body(unit.phase.down, wrap)}
  }},
}};
"""
        files.append(RenderedFile(f"{stamp}-{unit.name.replace('_', '-')}.js", text))
    return files


def _body(steps: list[Step], transactions: bool) -> str:
    if not steps:
        return "    // nothing to undo"
    lines: list[str] = []
    for group in transaction_groups(steps):
        if transactions and group[0].transactional:
            lines.append("    await queryInterface.sequelize.transaction(async (transaction) => {")
            for step in group:
                lines.append(step_comment(step, "//", "      "))
                lines.append(f"      await queryInterface.sequelize.query({js_template(step.sql)}, {{ transaction }});")
            lines.append("    });")
        else:
            for step in group:
                lines.append(step_comment(step, "//", "    "))
                lines.append(f"    await queryInterface.sequelize.query({js_template(step.sql)});")
    return "\n".join(lines)
