"""TypeORM: one `<timestamp>-<Name>.ts` per phase, a class implementing MigrationInterface whose up/down call
`queryRunner.query`. A migration that cannot run in TypeORM's per-migration transaction declares
`transaction = false` and opens its own (start/commit/rollback) around the steps that need one."""

from __future__ import annotations

from dbsage.tools.migrations.draft.model import MigrationDraft, Step, transaction_groups
from dbsage.tools.migrations.render.common import (
    RenderContext,
    RenderedFile,
    header_lines,
    js_template,
    pascal,
    step_comment,
    units,
)


def render(draft: MigrationDraft, context: RenderContext) -> list[RenderedFile]:
    files = []
    for index, unit in enumerate(units(draft)):
        stamp = int(context.when.timestamp() * 1000) + index
        name = f"{pascal(unit.name)}{stamp}"
        own = unit.needs_no_transaction
        head = "\n".join(f" * {line}".rstrip() for line in header_lines(draft, unit, context.when))
        flag = ("    // CONCURRENTLY / a committing backfill / a VALIDATE apart from its NOT VALID: not in TypeORM's\n"
                "    // transaction; the steps that need one get their own below. TypeORM's revert ignores this flag:\n"
                "    // undo with `typeorm migration:revert --transaction none`.\n"
                "    public transaction = false;\n\n") if own else ""
        text = f"""/**
{head}
 */
import {{ MigrationInterface, QueryRunner }} from "typeorm";

export class {name} implements MigrationInterface {{
    name = "{name}";
{flag}
    public async up(queryRunner: QueryRunner): Promise<void> {{
{_body(unit.phase.up, own and draft.engine == "postgres")}
    }}

    public async down(queryRunner: QueryRunner): Promise<void> {{
{_body(unit.phase.down, own and draft.engine == "postgres")}
    }}
}}
"""
        files.append(RenderedFile(f"{stamp}-{pascal(unit.name)}.ts", text))
    return files


def _body(steps: list[Step], own_transactions: bool) -> str:
    if not steps:
        return "        // nothing to undo"
    lines: list[str] = []
    for group in transaction_groups(steps):
        if own_transactions and group[0].transactional:
            lines.append("        await queryRunner.startTransaction();")
            lines.append("        try {")
            lines += _queries(group, "            ")
            lines.append("            await queryRunner.commitTransaction();")
            lines.append("        } catch (error) {")
            lines.append("            await queryRunner.rollbackTransaction();")
            lines.append("            throw error;")
            lines.append("        }")
        else:
            lines += _queries(group, "        ")
    return "\n".join(lines)


def _queries(group: list[Step], indent: str) -> list[str]:
    out = []
    for step in group:
        out.append(step_comment(step, "//", indent))
        out.append(f"{indent}await queryRunner.query({js_template(step.sql)});")
    return out
