"""Django: one migration module per phase, `NNNN_<name>.py`, numbered after the newest migration in the output
directory (an app's `migrations/` folder; the app label is that folder's parent) and depending on it. The SQL runs
through `migrations.RunSQL` with `reverse_sql`; a migration that cannot run in one transaction says `atomic = False`
and opens its own transactions (BEGIN … COMMIT) around the steps that need one."""

from __future__ import annotations

import re
from pathlib import Path

from dbsage.tools.migrations.draft.model import MigrationDraft, Step, transaction_groups
from dbsage.tools.migrations.render.common import RenderContext, RenderedFile, Unit, header_lines, py_string, units

_NUMBERED = re.compile(r"^(\d{4})_(\w+)\.py$")


def render(draft: MigrationDraft, context: RenderContext) -> list[RenderedFile]:
    app, number, previous = _existing(context.out_dir)
    files = []
    for unit in units(draft):
        number += 1
        module = f"{number:04d}_{unit.name}"
        dependencies = f"[({app!r}, {previous!r})]" if previous else "[]"
        files.append(RenderedFile(f"{module}.py", _module(draft, unit, context, dependencies, app)))
        previous = module
    return files


def _module(draft: MigrationDraft, unit: Unit, context: RenderContext, dependencies: str, app: str) -> str:
    doc = "\n".join(header_lines(draft, unit, context.when)).replace('"'*3, "'"*3)
    atomic = not unit.needs_no_transaction
    reason = ("" if atomic else
              "    # CONCURRENTLY / a committing backfill / a VALIDATE apart from its NOT VALID cannot run inside\n"
              "    # the one transaction Django wraps a migration in: this runs outside it, with own BEGIN/COMMIT.\n"
              "    atomic = False\n\n")
    hint = "" if dependencies != "[]" else \
        f"    # add the app's latest migration here, e.g. ({app!r}, '0001_initial')\n"
    return f'''"""{doc}"""

from django.db import migrations


class Migration(migrations.Migration):
{reason}{hint}    dependencies = {dependencies}

    operations = [
        migrations.RunSQL(
            sql={_statements(unit.phase.up, atomic, draft.engine)},
            reverse_sql={_statements(unit.phase.down, atomic, draft.engine)},
            elidable=False,
        ),
    ]
'''


def _statements(steps: list[Step], atomic: bool, engine: str) -> str:
    if not steps:
        return "migrations.RunSQL.noop"
    items: list[str] = []
    for group in transaction_groups(steps):
        # MySQL commits each DDL statement itself: BEGIN/COMMIT around them would only mislead the reader.
        wrap = not atomic and group[0].transactional and engine == "postgres"
        if wrap:
            items.append('"BEGIN"')
        items += [py_string(step.sql) for step in group]
        if wrap:
            items.append('"COMMIT"')
    inner = ",\n".join(f"                {item}" for item in items)
    return f"[\n{inner},\n            ]"


def _existing(out_dir: Path | None) -> tuple[str, int, str | None]:
    """(app label, highest migration number, that migration's name) from an app's migrations folder."""
    app = out_dir.resolve().parent.name if out_dir is not None and out_dir.name == "migrations" else "app"
    if out_dir is None or not out_dir.is_dir():
        return app, 0, None
    found = sorted((int(m[1]), path.stem) for path in out_dir.iterdir() if (m := _NUMBERED.match(path.name)))
    return (app, *found[-1]) if found else (app, 0, None)
