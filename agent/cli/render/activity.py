"""Activity now (ActivityReport) for people: the counts, the lock waits (who blocks whom), then the busy sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from dbsage.agent.cli.output import add_text_row, data_table, stdout

if TYPE_CHECKING:
    from dbsage.tools.activity import ActivityReport


def _secs(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def print_activity(report: ActivityReport, console: Console = stdout) -> None:
    c = report.counts
    limit = f" (max_connections {c.max_connections})" if c.max_connections else ""
    console.print(f"{report.taken_at:%Y-%m-%d %H:%M:%S} UTC · {c.sessions} sessions{limit} · {c.active} active · "
                  f"{c.idle_in_transaction} idle in transaction · {c.waiting_on_locks} waiting on locks · "
                  f"{c.idle} idle", markup=False, highlight=False)
    if report.lock_waits:
        waits = data_table("waiting", "for s", "lock", "blocked by", "blocker state", "blocker's statement",
                           "waiting statement", title="lock waits", title_justify="left")
        for w in report.lock_waits:
            add_text_row(waits, str(w.waiting_pid), _secs(w.waiting_s), w.lock or "—", str(w.blocking_pid),
                         w.blocking_state or "—", w.blocking_query or "—", w.waiting_query or "—")
        console.print(waits)
    if report.root_blockers:
        console.print(Text.assemble(("root blockers: ", "bold"), ", ".join(map(str, report.root_blockers)),
                                    " (they block others and wait for nobody)"))
    if report.sessions:
        grid = data_table("pid", "state", "xact s", "query s", "wait", "user", "database", "statement",
                          title="busy sessions", title_justify="left")
        for s in report.sessions:
            add_text_row(grid, str(s.pid), s.state, _secs(s.xact_age_s), _secs(s.query_age_s), s.wait or "—",
                         s.user or "—", s.database or "—", s.query or "—")
        console.print(grid)
    else:
        console.print("no session is busy right now")
    if report.truncated:
        console.print("(more sessions than --limit: the longest-running are shown)")
    for note in report.notes:
        console.print(Text.assemble(("note:", "yellow"), f" {note}"))
