"""A migration's up and down as steps (tools/migrations/draft/model.Step) from plain SQL files.

Files are read as psql runs them: statements between BEGIN and COMMIT form one transaction, every other statement
commits on its own, and statements PostgreSQL refuses inside a transaction block (CONCURRENTLY, VACUUM, …) run
outside one. The down comes from `--down FILE`, from the sibling of `NAME.up.sql` (`NAME.down.sql`, the layout
`dbsage proposals export` writes), or from dbmate-style `-- migrate:up` / `-- migrate:down` sections.
"""

from __future__ import annotations

import re
from pathlib import Path

from dbsage.tools.errors import UsageError
from dbsage.tools.migrations.draft.model import Step

_OUTSIDE_TRANSACTION = re.compile(r"\bCONCURRENTLY\b|^\s*VACUUM\b|^\s*ALTER\s+SYSTEM\b|^\s*(CREATE|DROP)\s+DATABASE\b",
                                  re.IGNORECASE)
_SECTION = re.compile(r"^\s*--\s*migrate:(up|down)\b.*$", re.IGNORECASE | re.MULTILINE)


def must_run_outside_transaction(sql: str) -> bool:
    return bool(_OUTSIDE_TRANSACTION.search(_without_comments(sql)))


def _without_comments(sql: str) -> str:
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))


def steps_from_script(script: str, origin: str = "the migration file") -> list[Step]:
    """The script's statements as steps, with psql's transaction boundaries (see the module docstring)."""
    from pglast import split

    try:
        statements = [part.strip() for part in split(script, with_parser=False)]
    except Exception as exc:  # pglast's scanner error carries the position
        raise UsageError(f"cannot split {origin} into statements: {exc}", "check the SQL parses (psql -f)") from None
    steps: list[Step] = []
    in_block, opened = False, False
    for sql in (s.rstrip(";").strip() for s in statements):
        word = sql.split(None, 1)[0].upper() if sql else ""
        if word in ("BEGIN", "START"):
            in_block, opened = True, True
            continue
        if word in ("COMMIT", "END"):
            in_block = False
            continue
        if not sql:
            continue
        outside = must_run_outside_transaction(sql)
        steps.append(Step(sql=sql, transactional=not outside, comment=f"from {origin}",
                          new_transaction=not in_block or opened))
        opened = False
    return steps


def read_migration(path: Path, down: Path | None = None) -> tuple[list[Step], list[Step]]:
    """Up and down steps of a migration file (see the module docstring for where the down is found)."""
    text = _read(path)
    sections = _sections(text)
    if sections is not None and down is None:
        up_text, down_text = sections
        return steps_from_script(up_text, f"{path.name} (up)"), steps_from_script(down_text, f"{path.name} (down)")
    down_path = down or _sibling_down(path)
    if down_path is None:
        raise UsageError(f"{path} has no down to rehearse",
                         "pass --down FILE, name the pair NAME.up.sql / NAME.down.sql, or use -- migrate:up / "
                         "-- migrate:down sections")
    return steps_from_script(text, path.name), steps_from_script(_read(down_path), down_path.name)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}", "give the path of a .sql migration file") from None


def _sibling_down(path: Path) -> Path | None:
    name = path.name
    for up, down in ((".up.sql", ".down.sql"), ("_up.sql", "_down.sql")):
        if name.endswith(up):
            candidate = path.with_name(name[: -len(up)] + down)
            return candidate if candidate.is_file() else None
    return None


def _sections(text: str) -> tuple[str, str] | None:
    marks = list(_SECTION.finditer(text))
    if not marks:
        return None
    parts = {m[1].lower(): text[m.end(): marks[i + 1].start() if i + 1 < len(marks) else len(text)]
             for i, m in enumerate(marks)}
    return parts.get("up", ""), parts.get("down", "")
