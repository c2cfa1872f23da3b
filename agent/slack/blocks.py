"""Block Kit for every message the bot posts: the working message, the answer, an error, a notice, a proposal card.

Each builder returns `(blocks, text)`: `text` is the fallback Slack shows in notifications and to screen readers.
Every string that came from the database, the model or a person passes through `_plain()` on its way in: secrets
masked (`text.safe`), and &, < and > escaped so Slack never reads them as a link or a mention.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dbsage.agent.answer import Answer
from dbsage.agent.proposals.model import Proposal
from dbsage.agent.session import headline
from dbsage.agent.slack.text import chunks, citations, escape, mrkdwn, safe

Blocks = list[dict[str, Any]]
APPROVE = "dbsage_approve"
REJECT = "dbsage_reject"
STOP = "dbsage_stop"
MAX_ANSWER_SECTIONS = 3  # past this, the blocks show the start and the whole answer goes up as a file snippet
CODE_LIMIT = 2500


def _plain(text: str) -> str:
    return escape(safe(text))


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(*lines: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": line[:2000]} for line in lines[:10]]}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "\n…"


def working(steps: Sequence[str], connection: str, stop: str | None = None) -> tuple[Blocks, str]:
    """The message that stands for a running turn: what ran so far, one line a tool, and a Stop button (its value
    `stop` names the thread) that cancels the model call and the statement running on the server."""
    lines = [f"• {_plain(step)}" for step in steps[-8:]]
    blocks: Blocks = [_section(f":hourglass_flowing_sand: working… (database: `{connection}`)")]
    if lines:
        blocks.append(context("\n".join(lines)))
    if stop:
        blocks.append({"type": "actions", "block_id": "turn", "elements": [
            {"type": "button", "action_id": STOP, "value": stop, "text": {"type": "plain_text", "text": "Stop"}}]})
    return blocks, "working…"


def finished(steps: Sequence[str], connection: str, outcome: str = "done") -> tuple[Blocks, str]:
    """The working message once the turn is over: the tools it ran stay visible as the turn's trail."""
    blocks: Blocks = [_section(f":white_check_mark: {outcome} (database: `{connection}`)")]
    if steps:
        blocks.append(context("\n".join(f"• {_plain(step)}" for step in steps[-8:])))
    return blocks, outcome


def answer(result: Answer, connection: str) -> tuple[Blocks, str, bool]:
    """The answer's blocks, its fallback text, and whether it is too long for blocks (post it as a file too)."""
    body = mrkdwn(safe(result.answer))  # escapes, keeping code and links
    sections = chunks(body)
    long = len(sections) > MAX_ANSWER_SECTIONS
    blocks: Blocks = [_section(part) for part in sections[:MAX_ANSWER_SECTIONS]]
    if long:
        blocks.append(context(":page_facing_up: the answer is long: the whole of it is in the attached snippet"))
    shown = set()
    for outcome in result.tool_calls:  # the statements the tools ran, unless the answer already quotes them
        sql = outcome.arguments.get("sql")
        if isinstance(sql, str) and sql.strip() and sql.strip() not in body and sql not in shown:
            shown.add(sql)
            blocks.append(_section(f"*SQL* ({outcome.tool}):\n```{_clip(_plain(sql.strip()), CODE_LIMIT)}```"))
    blocks.append(context(*_evidence(result, connection)))
    return blocks[:50], _clip(_plain(result.answer), 300), long


def _evidence(result: Answer, connection: str) -> list[str]:
    lines = []
    for outcome in result.tool_calls[:7]:
        handle = f"`{outcome.handle}` " if outcome.handle else ""
        lines.append(f"{handle}*{outcome.tool}*: {_plain(headline(outcome))[:300]}")
    cited = citations(result.answer, *(o.summary for o in result.tool_calls))
    if cited:
        lines.append("Sources: " + " ".join(f"[kb:{kb}]" for kb in cited[:12]))
    how = f"model {result.model}" if result.mode == "model" and result.model else \
        "plain router (no model configured)" if result.mode == "router" else "model"
    lines.append(f"database `{connection}` · {how} · read-only")
    return lines


def warnings(messages: Sequence[str]) -> dict[str, Any]:
    """A context block with the turn's warnings (a result cut to the budget, text that reads like an instruction)."""
    return context(*(f":warning: {_plain(w)[:300]}" for w in dict.fromkeys(messages)))


def error(message: str, hint: str | None) -> tuple[Blocks, str]:
    text = f":warning: {_plain(message)}" + (f"\n→ {_plain(hint)}" if hint else "")
    return [_section(_clip(text, 2900))], _clip(_plain(message), 300)


def notice(message: str) -> tuple[Blocks, str]:
    return [_section(_clip(_plain(message), 2900))], _clip(_plain(message), 300)


# -- proposal cards ------------------------------------------------------------------------------------------------


def lint_line(p: Proposal) -> str:
    """The verdict in one line: the review the store made when the proposal was filed (risk flags, the linter's
    worst finding), else the lint verdict recorded with a migration draft, else what checked the change instead."""
    review = p.review
    if review is not None:
        risky = review.destructive or review.irreversible
        mark = ":rotating_light:" if risky else ":warning:" if review.flags() or review.findings else \
            ":white_check_mark:"
        details = "; ".join(f"{f.rule} ({f.severity})" for f in review.findings[:3])
        return f"{mark} {review.line()}" + (f" — {details}" if details else "")
    if p.lint_verdict:
        try:
            verdict = json.loads(p.lint_verdict)
        except ValueError:
            return _clip(p.lint_verdict, 300)
        findings = verdict.get("findings", [])
        if verdict.get("clean") and not findings:
            return ":white_check_mark: lints clean"
        rules = ", ".join(f"{f.get('rule')} ({f.get('severity')})" for f in findings[:4])
        mark = ":white_check_mark:" if verdict.get("clean") else ":warning:"
        return f"{mark} {len(findings)} finding(s): {rules}"
    return "not linted (index advice: checked with the database's planner)"


def proposal_card(p: Proposal, decision: tuple[str, str, datetime] | None = None) -> tuple[Blocks, str]:
    """The card of a proposal: the change, its lint verdict, the estimated benefit; Approve / Reject while it is
    pending, and once decided, who decided and when (`decision`: action, who, at) instead of the buttons."""
    facts = [f"*Status:*\n{p.status}", f"*Engine / target:*\n{p.engine} · {_plain(p.target)[:120]}",
             f"*Estimated benefit:*\n{_plain(p.estimated_benefit or 'not estimated')[:200]}",
             f"*Lint verdict:*\n{_plain(lint_line(p))[:300]}"]
    blocks: Blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": _clip(f"Proposal #{p.id}: {safe(p.title)}", 148)}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": fact} for fact in facts]},
        _section(f"*Change (up):*\n```{_clip(_plain(p.up_sql.strip()), CODE_LIMIT)}```"),
    ]
    if p.review is not None and p.review.destructive:
        blocks.insert(1, _section(":rotating_light: *Destructive: this change loses data.* Read the SQL before you "
                                  "decide."))
    if p.rationale:
        blocks.append(context(_clip(_plain(p.rationale), 1900)))
    if decision is not None:
        action, who, at = decision
        mark = ":white_check_mark:" if action == "approved" else ":no_entry_sign:"
        blocks.append(_section(f"{mark} *{action.capitalize()}* by {who} at {at:%Y-%m-%d %H:%M} UTC"))
    elif p.status == "pending":
        value = str(p.id)
        approve: dict[str, Any] = {"type": "button", "action_id": APPROVE, "style": "primary", "value": value,
                                   "text": {"type": "plain_text", "text": "Approve"}}
        if p.review is not None and (p.review.destructive or p.review.irreversible):
            approve["confirm"] = _confirm(p)  # like the terminal's typed confirmation: one click is not enough
        blocks.append({"type": "actions", "block_id": f"proposal-{p.id}", "elements": [
            approve,
            {"type": "button", "action_id": REJECT, "style": "danger", "value": value,
             "text": {"type": "plain_text", "text": "Reject"}},
        ]})
    blocks.append(context(f"Only the approvers in dbsage.toml can decide. Applying is never done from Slack: a "
                           f"person runs `dbsage proposals apply {p.id} --write-db …` after approval."))
    return blocks, f"Proposal #{p.id} ({p.status}): {_plain(p.title)}"


def _confirm(p: Proposal) -> dict[str, Any]:
    """Slack's confirmation dialog on Approve, for a change that loses data or cannot be undone."""
    flags = ", ".join(p.review.flags()) if p.review is not None else "risky"
    return {"title": {"type": "plain_text", "text": f"Approve #{p.id}?"[:100]},
            "text": {"type": "mrkdwn", "text": _clip(f"*{flags}*: {_plain(p.title)}. Approving does not apply it, "
                                                      "but it is the step before someone does.", 300)},
            "confirm": {"type": "plain_text", "text": "Approve"}, "deny": {"type": "plain_text", "text": "Cancel"},
            "style": "danger"}
