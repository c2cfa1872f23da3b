"""Approve / Reject on a proposal card: only the approvers named in dbsage.toml decide; nobody applies from Slack.

A click from anyone else gets an ephemeral "not allowed" and changes nothing. An allowed click moves the proposal in
the store (signed `slack:<user id> (<name>)`, via "slack"), and the card is redrawn with who decided and when. When
two people decide at the same moment the store lets exactly one step happen; the other person is told what became
of it and the card shows the winner.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any, Literal

from dbsage.agent.proposals.model import VIA_SLACK, Proposal
from dbsage.agent.proposals.store import ProposalStore
from dbsage.agent.slack import blocks
from dbsage.agent.slack.settings import SlackSettings
from dbsage.agent.slack.text import escape, safe
from dbsage.tools.errors import DbsageError

log = logging.getLogger("dbsage.slack")
Decision = Literal["approved", "rejected"]
GROUP_CACHE_S = 300.0


class Approvers:
    """Who may decide: the user ids in [slack] approvers, and the members of its user groups (asked of Slack with
    usergroups.users.list, kept five minutes)."""

    def __init__(self, settings: SlackSettings) -> None:
        self.settings = settings
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def allowed(self, client: Any, user: str) -> bool:
        if user in self.settings.approvers:
            return True
        return any(user in self._group(client, group) for group in sorted(self.settings.approver_groups))

    def _group(self, client: Any, group: str) -> frozenset[str]:
        with self._lock:
            cached = self._members.get(group)
        if cached and time.monotonic() - cached[0] < GROUP_CACHE_S:
            return cached[1]
        try:
            members = frozenset(client.usergroups_users_list(usergroup=group).get("users", []))
        except Exception as exc:  # no usergroups:read scope, or Slack unreachable: nobody gets in by this group
            log.warning("cannot read the members of user group %s: %s", group, safe(str(exc))[:200])
            return frozenset()
        with self._lock:
            self._members[group] = (time.monotonic(), members)
        return members


def signature(user: dict[str, Any]) -> str:
    """How the audit trail names a Slack person: their id (stable) and their name (readable)."""
    name = user.get("username") or user.get("name") or "?"
    return f"slack:{user.get('id', '?')} ({name})"


def decide(store: ProposalStore, decision: Decision, proposal_id: int, by: str) -> Proposal:
    """Move the proposal in the store, recording that it was decided in Slack (the audit's `via`)."""
    if decision == "approved":
        return store.approve(proposal_id, by=by, via=VIA_SLACK)
    return store.reject(proposal_id, by=by, reason="rejected in Slack", via=VIA_SLACK)


def last_decision(p: Proposal) -> tuple[str, str, datetime] | None:
    """(action, who, when) of the proposal's latest approval or rejection, as the card shows it."""
    for entry in reversed(p.audit):
        if entry.action in ("approved", "rejected"):
            who = entry.who
            if who.startswith("slack:"):  # "slack:U123 (alice)" → a mention Slack renders as the person
                user_id, _, rest = who[len("slack:"):].partition(" ")
                who = f"<@{user_id}> {rest}".strip()
            at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
            return entry.action, who, at.astimezone(UTC)
    return None


def on_click(body: dict[str, Any], client: Any, store: ProposalStore, approvers: Approvers,
             decision: Decision) -> None:
    """Handle one Approve/Reject click (after bolt has acknowledged it)."""
    user = body.get("user", {})
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    message_ts = (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts")
    action = (body.get("actions") or [{}])[0]
    thread_ts = (body.get("message") or {}).get("thread_ts")

    def tell(text: str) -> None:  # only the person who clicked sees it
        client.chat_postEphemeral(channel=channel, user=user.get("id"), text=escape(safe(text)), thread_ts=thread_ts)

    try:
        proposal_id = int(action.get("value", ""))
    except ValueError:
        tell("That button does not name a proposal; nothing was changed.")
        return
    if not approvers.allowed(client, str(user.get("id", ""))):
        tell(f"You are not allowed to decide proposals (#{proposal_id} is unchanged). Only the approvers listed "
             "under [slack] approvers in dbsage.toml can approve or reject.")
        return
    try:
        proposal = decide(store, decision, proposal_id, signature(user))
    except DbsageError as error:  # already decided (maybe by someone a moment ago), or unknown
        tell(f"{error.message}" + (f" — {error.hint}" if error.hint else ""))
        try:
            proposal = store.get(proposal_id)
        except DbsageError:
            return
    card, text = blocks.proposal_card(proposal, last_decision(proposal))
    if channel and message_ts:
        client.chat_update(channel=channel, ts=message_ts, blocks=card, text=text)
