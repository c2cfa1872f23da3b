"""One question in a thread, from the "working…" message to the answer, the proposal cards and a long answer's file.

The session's events (agent/session.py) drive it: a tool starting or finishing updates the working message (at most
once a second: Slack limits chat.update); the answer is a new message in the thread (so people are notified); every
proposal filed on the way gets its card; an error is posted with what to do.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from dbsage.agent.proposals.store import ProposalStore
from dbsage.agent.session import (
    ProposalFiled,
    Session,
    ToolFinished,
    ToolStarted,
    TurnDone,
    TurnError,
    TurnWarning,
    headline,
)
from dbsage.agent.slack import blocks
from dbsage.agent.slack.text import safe
from dbsage.tools.errors import DbsageError

log = logging.getLogger("dbsage.slack")
UPDATE_EVERY_S = 1.0


@dataclass
class ThreadTurn:
    client: Any  # slack_sdk.WebClient
    channel: str
    thread_ts: str
    connection: str
    store: ProposalStore
    steps: list[str] = field(default_factory=list)
    _working_ts: str | None = None
    _updated_at: float = 0.0

    def run(self, session: Session, question: str) -> None:
        self._post_working()
        proposals: list[int] = []
        warnings: list[str] = []
        outcome = "done"
        try:
            for event in session.stream(question):
                if isinstance(event, ToolStarted):
                    self.steps.append(f"{event.tool}: running…")
                    self._update_working()
                elif isinstance(event, ToolFinished):
                    self._tool_finished(event)
                elif isinstance(event, ProposalFiled):
                    proposals.append(int(event.proposal.id))
                elif isinstance(event, TurnWarning):
                    warnings.append(event.message)
                elif isinstance(event, TurnError):
                    outcome = "failed"
                    self.post(*blocks.error(event.message, event.hint))
                elif isinstance(event, TurnDone):
                    outcome = self._done(event, warnings, outcome)
        except DbsageError as error:  # the session refused the turn itself
            outcome = "failed"
            self.post(*blocks.error(error.message, error.hint))
        finally:
            self._update_working(final=outcome)
        for proposal_id in dict.fromkeys(proposals):
            self._post_card(proposal_id)

    # -- messages ------------------------------------------------------------------------------------------------

    def post(self, message_blocks: list[dict[str, Any]], text: str) -> str | None:
        response = self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread_ts, blocks=message_blocks,
                                                text=text, unfurl_links=False, unfurl_media=False)
        return str(response.get("ts")) if response.get("ts") else None

    @property
    def stop_value(self) -> str:
        """What the Stop button carries: the thread it stops."""
        return f"{self.channel} {self.thread_ts}"

    def _post_working(self) -> None:
        self._working_ts = self.post(*blocks.working([], self.connection, self.stop_value))
        self._updated_at = time.monotonic()

    def _update_working(self, final: str | None = None) -> None:
        if self._working_ts is None:
            return
        if final is None and time.monotonic() - self._updated_at < UPDATE_EVERY_S:
            return
        built = blocks.finished(self.steps, self.connection, final) if final else \
            blocks.working(self.steps, self.connection, self.stop_value)
        try:
            self.client.chat_update(channel=self.channel, ts=self._working_ts, blocks=built[0], text=built[1])
        except Exception as exc:  # a lost progress update must not lose the answer
            log.warning("chat.update of the working message failed: %s", safe(str(exc))[:200])
        self._updated_at = time.monotonic()

    def _tool_finished(self, event: ToolFinished) -> None:
        line = f"{event.outcome.tool}: {headline(event.outcome)[:200]}"
        running = f"{event.outcome.tool}: running…"
        if running in self.steps:
            self.steps[self.steps.index(running)] = line
        else:
            self.steps.append(line)
        self._update_working()

    def _done(self, event: TurnDone, warnings: list[str], outcome: str) -> str:
        if event.cancelled:
            self.post(*blocks.notice("The question was cancelled; the conversation is as it was before it."))
            return "cancelled"
        if event.answer is None:
            return outcome
        answer_blocks, text, long = blocks.answer(event.answer, self.connection)
        if warnings:
            answer_blocks.insert(-1, blocks.warnings(warnings))
        self.post(answer_blocks, text)
        if long:
            self._upload(event.answer.answer)
        return outcome

    def _upload(self, text: str) -> None:
        try:
            self.client.files_upload_v2(channel=self.channel, thread_ts=self.thread_ts, content=safe(text),
                                        filename="dbsage-answer.md", title="dbsage: the whole answer")
        except Exception as exc:
            log.warning("uploading the long answer failed: %s", safe(str(exc))[:200])
            self.post(*blocks.error("the whole answer could not be attached as a file",
                                    "ask a narrower question, or run `dbsage ask` in a terminal for the full text"))

    def _post_card(self, proposal_id: int) -> None:
        try:
            proposal = self.store.get(proposal_id)
        except DbsageError as error:
            self.post(*blocks.error(f"proposal #{proposal_id} was filed but cannot be shown: {error}",
                                    "see it with `dbsage proposals show`"))
            return
        self.post(*blocks.proposal_card(proposal))
