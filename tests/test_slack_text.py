"""The Slack bot's pieces without Slack: questions out of Slack text, mrkdwn and its cutting, the [slack] settings,
the rate limit, the replay guard's window, and the `dbsage slack` command's start (tokens, config, a real run with
DBSAGE_SLACK_API_URL)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fake_slack import Call, FakeSlack, event_body, mention, signed_post

from chat_support import SHOP
from dbsage.agent.proposals import ProposalDraft, ProposalStore
from dbsage.agent.slack.approvals import last_decision
from dbsage.agent.slack.blocks import APPROVE, REJECT, proposal_card
from dbsage.agent.slack.settings import load_settings
from dbsage.agent.slack.text import chunks, citations, mrkdwn, question_from, safe
from dbsage.agent.slack.threads import RateLimit
from dbsage.tools.errors import ConfigError

DBSAGE = Path(sys.executable).parent / "dbsage"  # the console script of the environment running the tests


@pytest.mark.parametrize(("text", "question", "dropped"), [
    ("<@UBOT123> what is slow?", "what is slow?", False),
    ("<@UBOT123|dbsage> describe the orders table", "describe the orders table", False),
    ("<@UBOT123> use <postgresql://u:pw@h/db> and list tables", "use and list tables", True),
    ("<@UBOT123> use <mysql://root@h/db|mysql://root@h/db> please", "use please", True),
    ("check mongodb+srv://a:b@cluster0/x now", "check now", True),
    ("host=db1 port=5432 dbname=app password=x what is slow", "what is slow", True),
    ("why is SELECT 1 WHERE a &lt; b slow", "why is SELECT 1 WHERE a < b slow", False),
    ("the host=is a word here", "the host=is a word here", False),
])
def test_the_question_in_a_slack_message(text: str, question: str, dropped: bool) -> None:
    assert question_from(text) == (question, dropped)


def test_markdown_becomes_mrkdwn_and_is_cut_for_block_kit() -> None:
    text = mrkdwn("## Why\n**Seq Scan** on orders, see [docs](https://example.com/x).\n```sql\nSELECT 1;\n```\nok")
    assert text == "*Why*\n*Seq Scan* on orders, see <https://example.com/x|docs>.\n```SELECT 1;```\nok"
    assert mrkdwn("WHERE a < b & c > <@U1>\n```sql\nSELECT 1 WHERE x <> 2\n```") == \
        "WHERE a &lt; b &amp; c &gt; &lt;@U1&gt;\n```SELECT 1 WHERE x &lt;&gt; 2```"  # never a link or a mention
    long = "\n\n".join(f"paragraph {n} " + "x" * 500 for n in range(20)) + "\n```" + "SELECT 1;\n" * 400 + "```"
    parts = chunks(long, 2900)
    assert all(len(p) <= 2900 for p in parts) and len(parts) > 4
    assert all(p.count("```") % 2 == 0 for p in parts)  # every cut code block is fenced again
    assert "".join(parts).count("SELECT 1;") == 400


def test_citations_and_redaction() -> None:
    assert citations("see [kb:pg-index-types] and kb:pg-vacuum.", "again [kb:pg-index-types]") == \
        ["pg-index-types", "pg-vacuum"]
    assert safe("postgresql://app:hunter2@db/x token xoxb-1234567890-abcdef") == "postgresql://app:***@db/x token ***"
    assert "topsecret" not in safe("ALTER ROLE app PASSWORD 'topsecret'")


def test_settings_from_dbsage_toml() -> None:
    settings = load_settings({"slack": {"approvers": ["U012ABC", "S0GROUP1"], "direct_messages": "replica",
                                         "channels": {"C0123": "prod"}, "questions_per_minute": 3}})
    assert settings.approvers == {"U012ABC"} and settings.approver_groups == {"S0GROUP1"}
    assert settings.connection_for("C0123", "channel") == "prod"
    assert settings.connection_for("D0456", "im") == "replica" and settings.connection_for("C0999", None) is None
    assert load_settings({}).approvers == frozenset()  # no [slack]: nobody approves, no channel answers


@pytest.mark.parametrize(("section", "says"), [
    ({"approvers": "U012ABC"}, "not a list"),
    ({"approvers": ["alice"]}, "not a Slack user or group id"),
    ({"channels": {"#general": "prod"}}, "not a Slack channel id"),
    ({"channels": {"C0123": 5}}, "channel id = connection name"),
    ({"questions_per_minute": 0}, "≥ 1"),
])
def test_bad_settings_say_what_to_write(section: dict[str, object], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        load_settings({"slack": section})


def test_the_rate_limit_is_a_sliding_minute_per_user() -> None:
    now = [1000.0]
    rate = RateLimit(2, clock=lambda: now[0])
    assert [rate.wait("U1"), rate.wait("U1"), rate.wait("U2")] == [0.0, 0.0, 0.0]
    now[0] += 20
    assert rate.wait("U1") == pytest.approx(40.0)
    now[0] += 41
    assert rate.wait("U1") == 0.0


# -- the command ----------------------------------------------------------------------------------------------------


def _dbsage(*args: str, env: dict[str, str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(DBSAGE), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    return env | {"XDG_CONFIG_HOME": str(tmp_path / "config")} | extra


def test_the_command_says_which_token_is_missing(tmp_path: Path) -> None:
    done = _dbsage("slack", env=_env(tmp_path), cwd=tmp_path)
    assert done.returncode == 1 and "SLACK_BOT_TOKEN is not set" in done.stderr and "export SLACK_BOT_TOKEN" in \
        done.stderr
    done = _dbsage("slack", "--http", env=_env(tmp_path, SLACK_BOT_TOKEN="xoxb-1"), cwd=tmp_path)
    assert done.returncode == 1 and "SLACK_SIGNING_SECRET is not set" in done.stderr
    (tmp_path / "dbsage.toml").write_text('[slack]\napprovers = ["bob"]\n', encoding="utf-8")
    done = _dbsage("slack", env=_env(tmp_path, SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xapp-1"), cwd=tmp_path)
    assert done.returncode == 1 and "'bob', which is not a Slack user or group id" in done.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_dbsage_slack_http_answers_through_the_api_url_it_is_given(tmp_path: Path, make_pg_db) -> None:
    dsn = make_pg_db(SHOP)
    (tmp_path / "dbsage.toml").write_text(f'[connections]\nshop = "{dsn}"\n\n[slack.channels]\nC0SHOP0001 = "shop"\n',
                                          encoding="utf-8")
    fake = FakeSlack().start()
    port = _free_port()
    env = _env(tmp_path, SLACK_BOT_TOKEN="xoxb-test-0000-abcdefgh", SLACK_SIGNING_SECRET="s3cret-signing",
               DBSAGE_SLACK_API_URL=fake.url.rstrip("/"))
    bot = subprocess.Popen([str(DBSAGE), "slack", "--http", "--host", "127.0.0.1",
                            "--port", str(port), "--router"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/slack/events"
        deadline = time.monotonic() + 60
        while True:  # until the server listens
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert bot.poll() is None and time.monotonic() < deadline, bot.stderr.read() if bot.stderr else ""
                time.sleep(0.2)
        body = event_body(mention("C0SHOP0001", "U0ALICE001", "describe the customers table", ts="1.000001"))
        assert signed_post(url, body, "s3cret-signing")[0] == 200
        answer = fake.wait_for(lambda: [c for c in fake.of("chat.postMessage") if "email" in c.block_text()],
                               what="the answer")[0]
        assert answer.args["thread_ts"] == "1.000001" and fake.of("auth.test")
    finally:
        bot.terminate()
        bot.wait(10)
        fake.stop()


def test_a_proposal_card_flags_a_destructive_change_and_loses_its_buttons_once_decided() -> None:
    store = ProposalStore()
    filed = store.create(ProposalDraft(title="drop the old table", engine="postgres", target="shop",
                                       up_sql="DROP TABLE orders_2019;", down_sql=""), by="dbsage slack")
    card = Call("chat.postMessage", {"blocks": proposal_card(filed)[0]})
    text = card.block_text()
    assert "Destructive: this change loses data" in text and "DESTRUCTIVE" in text and "NO DOWN" in text
    buttons = [e for b in card.blocks() if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == [APPROVE, REJECT]
    assert "DESTRUCTIVE" in buttons[0]["confirm"]["text"]["text"]  # a second step before approving data loss

    decided = store.reject(filed.id, by="slack:U0ALICE001 (alice)", via="slack")
    redrawn = Call("chat.update", {"blocks": proposal_card(decided, last_decision(decided))[0]})
    assert "Rejected* by <@U0ALICE001> (alice) at " in redrawn.block_text()
    assert not [b for b in redrawn.blocks() if b["type"] == "actions"]

