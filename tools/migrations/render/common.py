"""What every renderer shares: the file it returns, the migration units of a draft (one per phase), the header
every file carries, and string escaping for the languages the tools use."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dbsage.tools.migrations.draft.model import MigrationDraft, Phase, Step, transaction_groups


@dataclass(frozen=True)
class RenderedFile:
    path: str = field(metadata={"doc": "relative to the output directory"})
    content: str


@dataclass(frozen=True)
class RenderContext:
    """When the files are stamped, and the output directory as it is (to chain onto existing migrations)."""

    when: datetime
    out_dir: Path | None = None
    version: str | None = None  # Flyway: the version to use instead of the timestamp


@dataclass(frozen=True)
class Unit:
    """One migration file's worth: a phase of the draft."""

    phase: Phase
    name: str  # draft name, with _expand / _contract for two-phase drafts
    title: str
    notes: list[str]

    @property
    def needs_no_transaction(self) -> bool:
        """The tool's own per-migration transaction cannot hold this unit (CONCURRENTLY, a COMMIT inside, or a
        VALIDATE that must not share a transaction with its NOT VALID)."""
        return len(transaction_groups(self.phase.up)) > 1 or len(transaction_groups(self.phase.down)) > 1 or \
            any(not s.transactional for s in [*self.phase.up, *self.phase.down])


def units(draft: MigrationDraft) -> list[Unit]:
    phases = draft.phases()
    found = []
    for phase in phases:
        two = len(phases) > 1 or draft.two_phase
        name = f"{draft.name}_{phase.name}" if two else draft.name
        title = f"{draft.title} — {phase.name} phase" if two else draft.title
        notes = list(draft.notes)
        if phase.name == "contract" and draft.app_steps:
            notes = ["Run this only after the application steps:",
                     *[f"  {i}. {text}" for i, text in enumerate(draft.app_steps, 1)], *notes]
        elif two and draft.app_steps:
            notes = ["After this phase, before the contract phase, the application must:",
                     *[f"  {i}. {text}" for i, text in enumerate(draft.app_steps, 1)], *notes]
        found.append(Unit(phase=phase, name=name, title=title, notes=notes))
    return found


def header_lines(draft: MigrationDraft, unit: Unit, when: datetime) -> list[str]:
    """The words on top of every rendered file (without comment markers)."""
    lines = [unit.title,
             f"Drafted by dbsage for {draft.server.label} on {when:%Y-%m-%d %H:%M} UTC ({draft.intent}). "
             "Review it before it runs; dbsage never applies it."]
    return [*lines, *unit.notes]


def sql_comment(lines: list[str]) -> str:
    return "\n".join(f"-- {line}".rstrip() for line in lines for line in line.splitlines() or [""])


def py_string(sql: str) -> str:
    """A Python literal for SQL: triple-quoted when it spans lines, so it reads like the SQL it is."""
    if "\n" in sql and '"""' not in sql and not sql.endswith('"') and "\\" not in sql:
        return f'"""{sql}"""'
    return json.dumps(sql, ensure_ascii=False)


def js_template(sql: str) -> str:
    """A JavaScript template literal: backslashes, backticks and `${` escaped."""
    return "`" + sql.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${") + "`"


def step_comment(step: Step, prefix: str, indent: str) -> str:
    return "\n".join(f"{indent}{prefix} {line}".rstrip() for line in step.comment.splitlines())


def pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_") if part) or "Migration"
