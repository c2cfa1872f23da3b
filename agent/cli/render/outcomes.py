"""The part of `dbsage proposals show` that says what the proposal has been through: the lint verdict it was filed
with, its latest rehearsal, its latest apply."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from rich.console import Console

from dbsage.agent.cli.output import stdout

if TYPE_CHECKING:
    from dbsage.agent.proposals.model import Proposal
    from dbsage.tools.migrations.apply.model import ApplyRecord
    from dbsage.tools.migrations.rehearse.model import RehearsalResult


def print_outcomes(p: Proposal, console: Console = stdout) -> None:
    console.print(f"lint verdict: {_lint(p.lint_verdict)}", markup=False)
    if p.rehearsal is None:
        console.print(f"rehearsal: none yet (`dbsage migrate rehearse {p.id} --db TARGET --scratch SCRATCH`)",
                      markup=False)
    else:
        _rehearsal(p.rehearsal, console)
    if p.apply_outcome is not None:
        _apply(p.apply_outcome, console)


def _lint(verdict: str | None) -> str:
    if not verdict:
        return "none recorded when it was filed"
    try:
        found = json.loads(verdict)
    except ValueError:
        return "unreadable"
    findings = found.get("findings", [])
    if not findings:
        return "clean" + (f" ({found['server']})" if found.get("server") else "")
    listed = ", ".join(f"{f.get('severity')} {f.get('rule')}" for f in findings[:6])
    return f"{'clean' if found.get('clean') else 'findings'}: {listed}" + (" …" if len(findings) > 6 else "")


def _rehearsal(r: RehearsalResult, console: Console) -> None:
    console.print(f"rehearsal: {r.verdict} ({r.at:%Y-%m-%d %H:%M} UTC on {r.scratch}; schema by "
                  f"{r.schema_copy.method}; {r.sample.rows} sampled rows)", markup=False)
    for run in r.passes:
        locks = sorted({f"{lock.level} on {lock.relation}" for s in run.statements for lock in s.locks})
        rewrote = sorted({table for s in run.statements for table in s.rewrote})
        console.print(f"  {run.name}: {len(run.statements)} statements in {run.seconds:.3f} s"
                      f"{'; locks ' + ', '.join(locks) if locks else ''}"
                      f"{'; rewrote ' + ', '.join(rewrote) if rewrote else ''}"
                      f"{'; FAILED: ' + (run.error or '') if not run.ok else ''}", markup=False)
    for line in r.diff[:20]:
        console.print(f"    {line}", markup=False, soft_wrap=True)


def _apply(a: ApplyRecord, console: Console) -> None:
    finished = f"{a.finished_at:%Y-%m-%d %H:%M:%S}" if a.finished_at else "not finished"
    console.print(f"apply: {a.summary} (by {a.by}, {a.started_at:%Y-%m-%d %H:%M:%S} → {finished} UTC"
                  f"{', forced past the live lint' if a.forced else ''})", markup=False)
    for step in a.steps:
        error = f" — {step.error}" if step.error else ""
        console.print(f"  step {step.index} [{step.status}] {' '.join(step.sql.split())[:100]}{error}",
                      markup=False)
    for index in a.invalid_indexes:
        console.print(f"  invalid index {index.name}: drop it with {index.drop}", markup=False)
    if a.down_for_ran and a.status != "applied":
        console.print("  to undo the steps that ran: " + " ".join(f"{s.rstrip(';')};" for s in a.down_for_ran),
                      markup=False, soft_wrap=True)
