"""Alembic: one revision file per phase in `versions/`, `<revision>_<slug>.py`, chained onto the head found in the
output directory. Steps run with `op.execute`; a step that must run outside a transaction (CONCURRENTLY, a DO block
that commits) runs inside `op.get_context().autocommit_block()`, and a step that needs a transaction of its own
(VALIDATE after NOT VALID) starts after an autocommit block, which commits what came before."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

from dbsage.tools.migrations.draft.model import MigrationDraft, Step, transaction_groups
from dbsage.tools.migrations.render.common import (
    RenderContext,
    RenderedFile,
    header_lines,
    py_string,
    step_comment,
    units,
)


def render(draft: MigrationDraft, context: RenderContext) -> list[RenderedFile]:
    previous = find_head(context.out_dir)
    files = []
    for unit in units(draft):
        revision = hashlib.sha1(f"{unit.name}{context.when.isoformat()}".encode()).hexdigest()[:12]
        doc = "\n".join(header_lines(draft, unit, context.when)).replace('"'*3, "'"*3)
        text = f'''"""{doc}

Revision ID: {revision}
Revises: {previous or ""}
Create Date: {context.when:%Y-%m-%d %H:%M:%S}
"""

from alembic import op

revision = {revision!r}
down_revision = {previous!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
{body(unit.phase.up)}


def downgrade() -> None:
{body(unit.phase.down)}
'''
        files.append(RenderedFile(f"versions/{revision}_{unit.name}.py", text))
        previous = revision
    return files


def body(steps: list[Step]) -> str:
    if not steps:
        return "    pass  # nothing to undo"
    lines: list[str] = []
    after_transaction = False  # is a transaction of ours open (statements since the migration's start or a block)?
    for group in transaction_groups(steps):
        if not group[0].transactional:
            lines.append("    with op.get_context().autocommit_block():")
            lines += _executes(group, "        ")
            after_transaction = False
            continue
        if after_transaction and group[0].new_transaction:
            lines.append("    with op.get_context().autocommit_block():")
            lines.append("        pass  # commit what came before: the next steps need a transaction of their own")
        lines += _executes(group, "    ")
        after_transaction = True
    return "\n".join(lines)


def _executes(group: list[Step], indent: str) -> list[str]:
    out = []
    for step in group:
        out.append(step_comment(step, "#", indent))
        out.append(f"{indent}op.execute({py_string(step.sql)})")
    return out


def find_head(out_dir: Path | None) -> str | None:
    """The revision no other revision in `out_dir/versions` (or `out_dir`) revises: where a new one chains on."""
    if out_dir is None:
        return None
    folder = out_dir / "versions" if (out_dir / "versions").is_dir() else out_dir
    revisions: dict[str, object] = {}
    for path in sorted(folder.glob("*.py")):
        found = _assignments(path)
        if isinstance(found.get("revision"), str):
            revisions[str(found["revision"])] = found.get("down_revision")
    referenced: set[object] = set()
    for down in revisions.values():
        referenced.update(down if isinstance(down, tuple | list) else [down])
    heads = [rev for rev in revisions if rev not in referenced]
    return heads[-1] if len(heads) == 1 else None


def _assignments(path: Path) -> dict[str, object]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, OSError):
        return {}
    values: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            try:
                values[node.target.id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return values
