"""`dbsage slack` end to end: the real bolt app served over real HTTP (and over a real websocket in Socket Mode),
signed requests as Slack sends them, a local stand-in for Slack's Web API recording every call, real tools on a real
PostgreSQL; the model is scripted (tests/fakes_llm.py) or absent (the plain router)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fake_slack import (
    FakeSlack,
    SocketModeServer,
    click_body,
    event_body,
    mention,
    message,
    raw_post,
    signed_post,
)
from langchain_core.messages import AIMessage, BaseMessage

from chat_support import SHOP, SLOW_SQL, running_dbsage_statements
from dbsage.agent.proposals import ProposalStore
from dbsage.agent.slack.app import Bot, build
from dbsage.agent.slack.blocks import APPROVE, REJECT, STOP
from dbsage.agent.slack.serve import http_server, socket_mode
from dbsage.agent.slack.settings import load_settings
from fakes_llm import ScriptedChatModel, rows_answer, same_tool_for_the_table_named, tool_call

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SHOP_CHANNEL = "C0SHOP0001"
ALICE, MALLORY, BOB = "U0ALICE001", "U0MALLORY1", "U0BOB00001"


@pytest.fixture(scope="module")
def shop_dsn(make_pg_db) -> str:
    return make_pg_db(SHOP)


@pytest.fixture(autouse=True)
def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shop_dsn: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    write_config(tmp_path, shop_dsn)


def write_config(folder: Path, dsn: str, *, per_minute: int = 20) -> None:
    (folder / "dbsage.toml").write_text(f"""
[connections]
shop = "{dsn}"

[slack]
approvers = ["{ALICE}", "S0DBAS0001"]
questions_per_minute = {per_minute}

[slack.channels]
{SHOP_CHANNEL} = "shop"
""", encoding="utf-8")


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack(usergroups={"S0DBAS0001": [BOB]}).start()
    yield slack
    slack.stop()


@dataclass
class Running:
    bot: Bot
    events_url: str
    fake: FakeSlack

    def send(self, event: dict[str, Any]) -> tuple[int, str]:
        return signed_post(self.events_url, event_body(event), SECRET)

    def click(self, action: str, value: int | str, user: str, name: str, card_ts: str) -> tuple[int, str]:
        body = click_body(action, str(value), user=user, name=name, channel=SHOP_CHANNEL, message_ts=card_ts)
        return signed_post(self.events_url, body, SECRET, content_type="application/x-www-form-urlencoded")

    def answers(self, thread_ts: str) -> list[Any]:
        """The answer messages posted in a thread (not the working message, notices or cards)."""
        return [c for c in self.fake.of("chat.postMessage", SHOP_CHANNEL)
                if c.args.get("thread_ts") == thread_ts and any(
                    b.get("type") == "context" and "read-only" in json.dumps(b) for b in c.blocks())]


@contextmanager
def running(fake: FakeSlack, chat_model: Callable[[], Any] | None = None) -> Iterator[Running]:
    """The bot over HTTP on a free local port, its Web API client pointed at the fake."""
    bot = build(load_settings(), bot_token="xoxb-test-0000-abcdefgh", signing_secret=SECRET, base_url=fake.url,
                use_model=False, chat_model=chat_model)
    server = http_server(bot, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield Running(bot, f"http://127.0.0.1:{server.server_port}/slack/events", fake)
    finally:
        server.shutdown()
        server.server_close()
        bot.close()


def scripted(*scripts: list[Any]) -> Callable[[], ScriptedChatModel]:
    """A model factory: each new conversation gets the next script."""
    remaining = list(scripts)
    lock = threading.Lock()

    def make() -> ScriptedChatModel:
        with lock:
            return ScriptedChatModel(remaining.pop(0))

    return make


# -- answers in threads ---------------------------------------------------------------------------------------------


def test_a_mention_gets_a_threaded_answer_with_blocks(fake: FakeSlack) -> None:
    with running(fake) as slack:  # no model: the plain router answers, with the real tools
        status, _ = slack.send(mention(SHOP_CHANNEL, ALICE, "describe the customers table", ts="100.000001"))
        assert status == 200
        answer = fake.wait_for(lambda: slack.answers("100.000001"), what="the answer")[0]

    text = answer.block_text()
    assert "describe_object" in text and "customers" in text and "email" in text  # the real table's columns
    assert "database `shop`" in text and "plain router" in text
    context = [b for b in answer.blocks() if b["type"] == "context"][-1]
    assert re.search(r"`r\d+` \*describe_object\*", json.dumps(context))  # the evidence handle
    working = fake.of("chat.postMessage", SHOP_CHANNEL)[0]
    assert working.args["thread_ts"] == "100.000001" and "working…" in working.block_text()
    final = fake.wait_for(lambda: [c for c in fake.of("chat.update") if "done" in c.block_text()],
                          what="the working message marked done")[-1]
    assert final.args["ts"] == working.ts and "describe_object" in final.block_text()  # its trail


def _rows_answer(messages: list[BaseMessage]) -> AIMessage:
    return AIMessage(content=f"{rows_answer(messages).content}\n```sql\nSELECT count(*) FROM t;\n```")


def test_a_follow_up_in_the_thread_uses_its_history(fake: FakeSlack) -> None:
    model = scripted([tool_call("describe_object", {"name": "customers"}), _rows_answer,
                      same_tool_for_the_table_named, _rows_answer])
    with running(fake, model) as slack:
        slack.send(mention(SHOP_CHANNEL, ALICE, "how many rows are in the customers table?", ts="200.000001"))
        fake.wait_for(lambda: slack.answers("200.000001"), what="the first answer")
        # a plain message (no mention) in a thread the bot does not know is none of its business
        slack.send(message(SHOP_CHANNEL, MALLORY, "the orders table?", ts="201.000001", thread_ts="999.000001"))
        slack.send(message(SHOP_CHANNEL, BOB, "and what about the orders table?", ts="200.000009",
                           thread_ts="200.000001"))
        answers = fake.wait_for(lambda: (found := slack.answers("200.000001")) and len(found) == 2 and found,
                                what="the follow-up's answer")
        time.sleep(0.3)
        assert not [c for c in fake.calls if c.args.get("thread_ts") == "999.000001"]

    texts = [a.block_text() for a in answers]
    assert "about 300 rows" in texts[0] and "about 2000 rows" in texts[1]
    assert "```SELECT count(*) FROM t;```" in texts[1]  # SQL as a code block, without the markdown language tag
    assert slack.bot.threads.open_count() == 0  # closed with the bot


def _recalls_the_first_question(messages: list[BaseMessage]) -> AIMessage:
    asked = [str(m.content) for m in messages if m.type == "human"]
    return AIMessage(content=f"earlier you asked: {asked[0]}" if len(asked) > 1 else "no earlier question")


def test_a_restarted_bot_resumes_its_threads(fake: FakeSlack) -> None:
    with running(fake, scripted([AIMessage(content="first answer")])) as slack:
        slack.send(mention(SHOP_CHANNEL, ALICE, "how big is the orders table?", ts="250.000001"))
        fake.wait_for(lambda: slack.answers("250.000001"), what="the first answer")
    with running(fake, scripted([_recalls_the_first_question])) as slack:  # a new process, as after a restart
        slack.send(message(SHOP_CHANNEL, ALICE, "and since last week?", ts="250.000005", thread_ts="250.000001"))
        answer = fake.wait_for(lambda: (found := slack.answers("250.000001")) and len(found) == 2 and found,
                               what="the follow-up after the restart")[-1]
    assert "earlier you asked: how big is the orders table?" in answer.block_text()


def test_two_threads_are_answered_at_the_same_time(fake: FakeSlack) -> None:
    both_asking = threading.Barrier(2, timeout=20)  # passes only when both turns are running at once

    def wait_for_the_other(name: str) -> Callable[[list[BaseMessage]], AIMessage]:
        def step(messages: list[BaseMessage]) -> AIMessage:
            both_asking.wait()
            return AIMessage(content=f"answer for {name}")
        return step

    model = scripted([wait_for_the_other("first")], [wait_for_the_other("second")])
    with running(fake, model) as slack:
        slack.send(mention(SHOP_CHANNEL, ALICE, "first question", ts="300.000001"))
        slack.send(mention(SHOP_CHANNEL, BOB, "second question", ts="301.000001"))
        first = fake.wait_for(lambda: slack.answers("300.000001"), what="the first thread's answer")
        second = fake.wait_for(lambda: slack.answers("301.000001"), what="the second thread's answer")
    assert {"answer for first", "answer for second"} == {
        re.search(r"answer for \w+", x[0].block_text())[0] for x in (first, second)}  # type: ignore[index]


def test_the_stop_button_cancels_the_question_and_its_query_on_the_server(fake: FakeSlack, shop_dsn: str) -> None:
    model = scripted([tool_call("run_query", {"sql": SLOW_SQL}), AIMessage(content="never said")])
    with running(fake, model) as slack:
        slack.send(mention(SHOP_CHANNEL, ALICE, "count everything three times over", ts="350.000001"))
        working = fake.wait_for(lambda: fake.of("chat.postMessage", SHOP_CHANNEL), what="the working message")[0]
        stop = [e for b in working.blocks() if b["type"] == "actions" for e in b["elements"]][0]
        assert stop["action_id"] == STOP
        fake.wait_for(lambda: running_dbsage_statements(shop_dsn) >= 1, what="the query running on the server")

        slack.click(STOP, stop["value"], MALLORY, "mallory", working.ts)
        refused = fake.wait_for(lambda: fake.of("chat.postEphemeral"), what="the refusal")[0]
        assert refused.args["user"] == MALLORY and "Only the person who asked" in refused.args["text"]
        assert running_dbsage_statements(shop_dsn) >= 1  # still running

        slack.click(STOP, stop["value"], ALICE, "alice", working.ts)
        fake.wait_for(lambda: [c for c in fake.of("chat.postMessage", SHOP_CHANNEL) if "cancelled" in
                               c.block_text()], what="the cancellation notice")
        fake.wait_for(lambda: running_dbsage_statements(shop_dsn) == 0, timeout_s=10, what="the query gone")
        final = fake.wait_for(lambda: [c for c in fake.of("chat.update") if c.args["ts"] == working.ts and
                                       "cancelled" in c.block_text()], what="the working message closed")[-1]
    assert not [b for b in final.blocks() if b["type"] == "actions"]  # no Stop button on a finished turn
    assert not slack.answers("350.000001")


def test_a_channel_without_a_mapping_and_a_dm_without_one_are_told_so(fake: FakeSlack) -> None:
    with running(fake) as slack:
        slack.send(mention("C0ELSEWHERE", ALICE, "what is slow?", ts="400.000001"))
        slack.send(message("D0DIRECT01", ALICE, "what is slow?", ts="401.000001", channel_type="im"))
        told = fake.wait_for(lambda: len(fake.of("chat.postMessage")) >= 2 and fake.of("chat.postMessage"),
                             what="both notices")
    by_channel = {c.args["channel"]: c.block_text() for c in told}
    assert "not connected to a database" in by_channel["C0ELSEWHERE"]
    assert 'C0ELSEWHERE = "&lt;connection name&gt;"' in by_channel["C0ELSEWHERE"] and "[slack.channels]" in \
        by_channel["C0ELSEWHERE"]
    assert "direct_messages" in by_channel["D0DIRECT01"]
    assert not fake.of("chat.update") and slack.bot.threads.get(("C0ELSEWHERE", "400.000001")) is None


def test_a_dsn_typed_in_chat_is_ignored_and_never_repeated(fake: FakeSlack) -> None:
    text = "use <postgresql://admin:hunter2@db.example.com/prod> and describe the customers table"
    with running(fake) as slack:
        slack.send(mention(SHOP_CHANNEL, ALICE, text, ts="500.000001"))
        answer = fake.wait_for(lambda: slack.answers("500.000001"), what="the answer")[0]
    notice = fake.of("chat.postMessage", SHOP_CHANNEL)[0]
    assert "ignored the connection string" in notice.block_text() and "`shop`" in notice.block_text()
    assert "database `shop`" in answer.block_text() and "email" in answer.block_text()  # the configured database
    assert "hunter2" not in json.dumps([c.args for c in fake.calls])
    assert "db.example.com" not in answer.block_text()


def test_secrets_in_an_answer_are_masked_and_a_long_answer_comes_as_a_file(fake: FakeSlack) -> None:
    long_text = "Connect with postgresql://app:s3cr3tpw@db/prod then read on.\n\n" + "\n\n".join(
        f"Paragraph {n}: " + "the planner's estimate is off; " * 12 for n in range(60))
    with running(fake, scripted([AIMessage(content=long_text)])) as slack:
        slack.send(mention(SHOP_CHANNEL, ALICE, "tell me everything", ts="600.000001"))
        answer = fake.wait_for(lambda: slack.answers("600.000001"), what="the answer")[0]
        done = fake.wait_for(lambda: fake.of("files.completeUploadExternal"), what="the file snippet")[0]
    assert "s3cr3tpw" not in json.dumps([c.args for c in fake.calls]) and "app:***@db" in answer.block_text()
    assert "attached snippet" in answer.block_text()
    assert done.args["channel_id"] == SHOP_CHANNEL and done.args["thread_ts"] == "600.000001"
    uploaded = b"".join(fake.uploads.values()).decode()
    assert "Paragraph 59" in uploaded and "s3cr3tpw" not in uploaded


def test_a_model_error_is_posted_in_the_thread_with_what_to_do(fake: FakeSlack) -> None:
    from dbsage.agent.model import ModelRateLimited

    def rate_limited(messages: list[BaseMessage]) -> AIMessage:
        raise ModelRateLimited("the model endpoint is rate limiting dbsage", "wait a minute and ask again")

    with running(fake, scripted([rate_limited])) as slack:
        slack.send(mention(SHOP_CHANNEL, ALICE, "what is slow?", ts="700.000001"))
        error = fake.wait_for(lambda: [c for c in fake.of("chat.postMessage", SHOP_CHANNEL)
                                       if ":warning:" in c.block_text()], what="the error")[0]
    assert error.args["thread_ts"] == "700.000001"
    assert "rate limiting" in error.block_text() and "→ wait a minute and ask again" in error.block_text()


def test_the_rate_limit_is_per_user(fake: FakeSlack, tmp_path: Path, shop_dsn: str) -> None:
    write_config(tmp_path, shop_dsn, per_minute=1)
    with running(fake) as slack:
        slack.send(mention("C0ELSEWHERE", ALICE, "one", ts="800.000001"))
        slack.send(mention("C0ELSEWHERE", ALICE, "two", ts="800.000002"))
        slack.send(mention("C0ELSEWHERE", BOB, "three", ts="800.000003"))
        told = fake.wait_for(lambda: fake.of("chat.postEphemeral"), what="the rate limit notice")
        fake.wait_for(lambda: len(fake.of("chat.postMessage")) == 2, what="the two allowed questions")
    assert [c.args["user"] for c in told] == [ALICE] and "ask again in" in told[0].args["text"]


# -- proposals: cards, who may decide -------------------------------------------------------------------------------


PROPOSAL = {"title": "index orders by customer",
            "up_sql": "CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);",
            "down_sql": "DROP INDEX CONCURRENTLY orders_customer_idx;",
            "rationale": "the foreign key orders.customer_id has no index", "estimated_benefit": "cost 42 → 8"}


def test_only_an_approver_can_approve_and_the_card_shows_who(fake: FakeSlack) -> None:
    model = scripted([tool_call("file_proposal", PROPOSAL), AIMessage(content="Filed it for review.")])
    store = ProposalStore()
    with running(fake, model) as slack:
        slack.send(mention(SHOP_CHANNEL, ALICE, "index the foreign key", ts="900.000001"))
        card = fake.wait_for(lambda: [c for c in fake.of("chat.postMessage", SHOP_CHANNEL)
                                      if "Proposal #" in c.block_text()], what="the card")[0]
        proposal_id = store.list()[0].id
        card_ts = card.ts
        buttons = [e for b in card.blocks() if b["type"] == "actions" for e in b["elements"]]
        assert [b["action_id"] for b in buttons] == [APPROVE, REJECT]  # no way to apply from Slack
        assert "confirm" not in buttons[0]  # an index with its DROP: one click (a destructive change asks twice)
        text = card.block_text()
        assert "CREATE INDEX CONCURRENTLY orders_customer_idx" in text and "cost 42 → 8" in text
        assert "Lint verdict" in text and "never done from Slack" in text

        status, _ = slack.click(APPROVE, proposal_id, MALLORY, "mallory", card_ts)
        refused = fake.wait_for(lambda: fake.of("chat.postEphemeral"), what="the refusal")[0]
        assert status == 200 and refused.args["user"] == MALLORY and "not allowed" in refused.args["text"]
        assert store.get(proposal_id).status == "pending"
        assert not [c for c in fake.of("chat.update") if c.args.get("ts") == card_ts]  # the card is unchanged

        updates_before = len(fake.of("chat.update"))
        slack.click(APPROVE, proposal_id, ALICE, "alice", card_ts)
        fake.wait_for(lambda: store.get(proposal_id).status == "approved", what="the approval in the store")
        redrawn = fake.wait_for(lambda: [c for c in fake.of("chat.update")[updates_before:]
                                         if c.args.get("ts") == card_ts], what="the card redrawn")[0]
        assert f"Approved* by <@{ALICE}> (alice) at " in redrawn.block_text()
        assert not any(b["type"] == "actions" for b in redrawn.blocks())

        # a member of an approver user group may decide; the store tells them it is already approved
        slack.click(APPROVE, proposal_id, BOB, "bob", card_ts)
        late = fake.wait_for(lambda: [c for c in fake.of("chat.postEphemeral") if c.args["user"] == BOB],
                             what="the second approver told")[0]
        assert "already approved" in late.args["text"]
        # a forged click on an action the bot never offers changes nothing
        status, _ = slack.click("dbsage_apply", proposal_id, ALICE, "alice", card_ts)
        assert status == 404
    decided = store.get(proposal_id)
    assert decided.status == "approved" and decided.created_by == "dbsage slack"
    approval = [e for e in decided.audit if e.action == "approved"]
    assert len(approval) == 1 and (approval[0].who, approval[0].via) == (f"slack:{ALICE} (alice)", "slack")


def test_an_approver_can_reject(fake: FakeSlack) -> None:
    store = ProposalStore()
    from dbsage.agent.proposals import ProposalDraft

    filed = store.create(ProposalDraft(title="drop an index", engine="x", target="shop", up_sql="SELECT 1;",
                                       down_sql="SELECT 1;"), by="dbsage slack")
    with running(fake) as slack:
        slack.click(REJECT, filed.id, BOB, "bob", "1699999999.000001")
        fake.wait_for(lambda: store.get(filed.id).status == "rejected", what="the rejection")
        redrawn = fake.wait_for(lambda: fake.of("chat.update"), what="the card")[0]
    assert f"Rejected* by <@{BOB}> (bob)" in redrawn.block_text()
    assert store.get(filed.id).audit[-1].who == f"slack:{BOB} (bob)"


# -- the HTTP door: signatures, timestamps, replays -----------------------------------------------------------------


def test_bad_signatures_old_timestamps_and_replays_are_refused(fake: FakeSlack) -> None:
    with running(fake) as slack:
        body = event_body(mention(SHOP_CHANNEL, ALICE, "describe the customers table", ts="990.000001"))
        assert signed_post(slack.events_url, body, "not-the-secret")[0] == 401
        assert raw_post(slack.events_url, body, {"Content-Type": "application/json"})[0] == 401  # unsigned
        stale = int(time.time()) - 10 * 60
        assert signed_post(slack.events_url, body, SECRET, timestamp=stale)[0] == 401

        now = int(time.time())
        assert signed_post(slack.events_url, body, SECRET, timestamp=now)[0] == 200
        assert signed_post(slack.events_url, body, SECRET, timestamp=now)[0] == 401  # the same request again
        fake.wait_for(lambda: slack.answers("990.000001"), what="the one answer")
        time.sleep(0.5)
        assert len(slack.answers("990.000001")) == 1


# -- Socket Mode ----------------------------------------------------------------------------------------------------


def test_socket_mode_receives_an_event_acks_it_and_answers(fake: FakeSlack) -> None:
    server = SocketModeServer()
    fake.socket_url = server.url
    bot = build(load_settings(), bot_token="xoxb-test-0000-abcdefgh", base_url=fake.url, use_model=False)
    handler = socket_mode(bot, "xapp-1-test-0000-abcdefgh")
    try:
        handler.connect()
        assert server.connected.wait(10)
        server.send_event("envelope-1", event_body(mention(SHOP_CHANNEL, ALICE, "describe the orders table",
                                                           ts="1000.000001")))
        fake.wait_for(lambda: "envelope-1" in server.acks, what="the acknowledgement")
        answer = fake.wait_for(lambda: [c for c in fake.of("chat.postMessage", SHOP_CHANNEL)
                                        if c.args.get("thread_ts") == "1000.000001" and "customer_id" in
                                        c.block_text()], what="the answer")[0]
    finally:
        handler.close()
        bot.close()
        server.stop()
    assert "describe_object" in answer.block_text()
    assert len(fake.of("apps.connections.open")) >= 1  # asked through the configured API URL, with the app token
