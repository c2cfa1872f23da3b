"""Diagnosis tools: top_statements (the heaviest statements), activity_now (sessions busy now, who blocks whom,
idle in transaction) and checkup (findings with evidence and fixes).
To add a tool here, write its input model, run and summary, and add one ToolSpec line to SPECS.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from dbsage.agent.toolkit.context import ToolContext
from dbsage.agent.toolkit.spec import ToolSpec, engine_for
from dbsage.tools.activity import ActivityReport
from dbsage.tools.checks.model import CheckReport, Family
from dbsage.tools.top import SortKey, TopReport


class TopStatementsInput(BaseModel):
    sort: SortKey = Field(default="total", description="what 'heaviest' means")
    limit: int = Field(default=10, ge=1, le=50)
    include_utility: bool = Field(default=False, description="list utility statements too (COPY, VACUUM, ANALYZE, "
                                  "DDL, SET …); by default only queries and data changes")


def _top(ctx: ToolContext, params: TopStatementsInput) -> TopReport:
    report: TopReport = engine_for(ctx, "top_statements").top_statements(sort=params.sort, limit=params.limit,
                                                                          include_utility=params.include_utility)
    return report


def _summarize_top(report: TopReport) -> str:
    since = f" since {report.stats_since:%Y-%m-%d %H:%M}" if report.stats_since else ""
    lines = [f"{len(report.statements)} heaviest statements by {report.sort}{since}:"]
    for n, s in enumerate(report.statements, start=1):
        hit = f", cache hit {s.cache_hit_ratio:.0%}" if s.cache_hit_ratio is not None else ""
        lines.append(f"{n}. {s.share_of_total:.0%} of time · {s.calls} calls · total {s.total_ms:,.1f} ms · "
                     f"mean {s.mean_ms:,.2f} ms · {s.rows} rows{hit}\n   {_clip(s.query, 300)}")
    lines += [f"note: {note}" for note in report.notes]
    return "\n".join(lines)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ActivityInput(BaseModel):
    limit: int = Field(default=30, ge=1, le=200, description="at most this many busy sessions (longest first)")


def _activity(ctx: ToolContext, params: ActivityInput) -> ActivityReport:
    report: ActivityReport = engine_for(ctx, "activity").activity(limit=params.limit)
    return report


def _summarize_activity(report: ActivityReport) -> str:
    c = report.counts
    limit = f" of max_connections {c.max_connections}" if c.max_connections else ""
    lines = [f"activity at {report.taken_at:%H:%M:%S} UTC: {c.sessions} session(s){limit}: {c.active} active, "
             f"{c.idle_in_transaction} idle in transaction, {c.waiting_on_locks} waiting on locks, {c.idle} idle"]
    for w in report.lock_waits[:10]:
        lines.append(f"lock wait: session {w.waiting_pid} waits {_secs(w.waiting_s)} for {w.lock or 'a lock'} held "
                     f"by session {w.blocking_pid} ({w.blocking_state or '?'}: {_clip(w.blocking_query, 120) or '—'})"
                     f"; waiting: {_clip(w.waiting_query, 120)}")
    if report.root_blockers:
        lines.append(f"root blockers (block others, wait for nobody): {', '.join(map(str, report.root_blockers))}")
    for s in report.sessions[:15]:
        if s.blocked_by:
            continue  # already shown as a lock wait
        age = f"transaction {_secs(s.xact_age_s)}" if s.xact_age_s is not None else f"running {_secs(s.query_age_s)}"
        lines.append(f"session {s.pid} {s.state} ({age}; {s.user}@{s.database}): {_clip(s.query, 160) or '—'}")
    if report.truncated:
        lines.append("… more sessions in the full result")
    lines += [f"note: {note}" for note in report.notes]
    return "\n".join(lines)


def _secs(value: float | None) -> str:
    return "?" if value is None else f"{value:,.1f} s"


class CheckupInput(BaseModel):
    family: Family | None = Field(default=None, description="only findings of this family")


def _checkup(ctx: ToolContext, params: CheckupInput) -> CheckReport:
    report: CheckReport = engine_for(ctx, "checks").checks()
    if params.family:
        report.findings = [f for f in report.findings if f.family == params.family]
    return report


def _summarize_checkup(report: CheckReport) -> str:
    from dbsage.tools.checks.model import SEVERITY_ORDER

    passed = sum(1 for item in report.scorecard if item.status == "pass")
    lines = [f"checkup of {report.database}: {len(report.findings)} finding(s); scorecard {passed}/"
             f"{len(report.scorecard)} pass"]
    for f in sorted(report.findings, key=lambda f: SEVERITY_ORDER[f.severity])[:25]:
        evidence = ", ".join(f"{k}={v}" for k, v in list(f.evidence.items())[:5])
        fix = f" Fix: {_clip(f.fix, 200)}" if f.fix else ""
        lines.append(f"[{f.severity}] {f.id} on {f.object or '-'}: {f.title} ({evidence}).{fix}")
    if len(report.findings) > 25:
        lines.append(f"… {len(report.findings) - 25} more findings in the full result")
    lines += [f"failing: {item.label}: {item.why}" for item in report.scorecard if item.status == "fail"][:10]
    lines += [f"skipped: {reason}" for reason in report.skipped[:5]]
    return "\n".join(lines)


SPECS = [
    ToolSpec("top_statements", TopStatementsInput, TopReport, _top, _summarize_top),
    ToolSpec("activity_now", ActivityInput, ActivityReport, _activity, _summarize_activity),
    ToolSpec("checkup", CheckupInput, CheckReport, _checkup, _summarize_checkup),
]
