"""Rehearsal: a migration's up, down and up again on a scratch copy of the target (schema + sampled rows), each
statement timed with the locks it took and whether it rewrote a table, and the catalog difference down left.

Map: `model` (RehearsalResult and its parts: what is attached to a proposal), `steps` (plain SQL files → steps,
with psql's transaction boundaries), `runner.rehearse(...)` (the entry point; the engine's part lives in
tools/engines/<engine>/rehearsal). The write path here touches the scratch only; it is not the agent's read-only
path and the agent has no tool that reaches it.
"""

from dbsage.tools.migrations.rehearse.model import RehearsalResult
from dbsage.tools.migrations.rehearse.runner import DEFAULT_SAMPLE_ROWS, rehearse
from dbsage.tools.migrations.rehearse.steps import read_migration, steps_from_script

__all__ = ["DEFAULT_SAMPLE_ROWS", "RehearsalResult", "read_migration", "rehearse", "steps_from_script"]
