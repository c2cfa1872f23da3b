"""The router understands phrasing: ≥ 60 paraphrased questions (none of them an example in agent/nearest.py), each
with the intent a person would expect; at least 90 % must route right. Off-topic chatter routes nowhere."""

from __future__ import annotations

import pytest

from dbsage.agent.nearest import EXAMPLES
from dbsage.agent.router import route

CASES: list[tuple[str, str]] = [
    ("which sql eats most of the db time", "top"),
    ("show the worst offenders among my queries", "top"),
    ("what queries are the slowest overall", "top"),
    ("whats making the databse so sluggish", "top"),
    ("list the most costly statements", "top"),
    ("queries that burn the most cpu", "top"),
    ("which statement got called the most times", "top"),
    ("top 10 queries please", "top"),
    ("hows the database doing overall", "checkup"),
    ("can you look for problems in this db", "checkup"),
    ("do a full health review", "checkup"),
    ("anything misconfigured on the server?", "checkup"),
    ("is my postgres setup ok", "checkup"),
    ("scan the database for issues", "checkup"),
    ("what's broken here", "checkup"),
    ("give me a report card for this server", "checkup"),
    ("any indexes that are never used", "index health"),
    ("find indexes i could drop", "index health"),
    ("are there duplicated indexs", "index health"),
    ("look for useless indexes", "index health"),
    ("which indexes take space for nothing", "index health"),
    ("any invalid index left from a failed build", "index health"),
    ("what index would make things faster", "advise"),
    ("recommend some indexes", "advise"),
    ("which indexes am i missing", "advise"),
    ("give me index suggestions for the workload", "advise"),
    ("propose new indexes for me", "advise"),
    ("can you advise on indexing", "advise"),
    ("should i add any index", "advise"),
    ("file proposals for the indexes you'd add", "advise"),
    ("what tables exist", "list"),
    ("show all the tables in here", "list"),
    ("what's inside this db", "list"),
    ("list the collections", "list"),
    ("give me the list of objects", "list"),
    ("what's in the schema", "list"),
    ("how do i build an index without blocking writes", "knowledge"),
    ("what is the best way to do pagination on a big table", "knowledge"),
    ("why does my table keep growing after deletes", "knowledge"),
    ("how should i store money amounts", "knowledge"),
    ("how can i add a foreign key safely on a large table", "knowledge"),
    ("why does postgres not use my index for LIKE '%foo'", "knowledge"),
    ("what's the best practice for uuid primary keys", "knowledge"),
    ("how do i tune autovacuum", "knowledge"),
    ("how to configure pgbouncer for my app", "knowledge"),
    ("why do i get deadlocks in my app", "knowledge"),
    ("what is the best way to rename a column in prod", "knowledge"),
    ("how do i set up point in time recovery", "knowledge"),
    ("how should i shard a mongo collection", "knowledge"),
    ("why does innodb lock a gap on insert", "knowledge"),
    ("how to avoid lazy loading queries in sqlalchemy", "knowledge"),
    ("how do i make a read only user", "knowledge"),
    ("what's the best way to store timestamps", "knowledge"),
    ("how can i reduce replication lag", "knowledge"),
    ("why does my migration hang forever", "knowledge"),
    ("how do I backfill a new column", "knowledge"),
    ("when should I use a partial index", "knowledge"),
    ("what is the best isolation level", "knowledge"),
    ("how do i enable the slow query log on mysql", "knowledge"),
    ("why is count(*) slow on a big table", "knowledge"),
    ("how do i choose between embedding and referencing in mongodb", "knowledge"),
    ("best way to test that backups restore", "knowledge"),
]


def test_no_case_is_an_example() -> None:
    examples = {e.lower() for values in EXAMPLES.values() for e in values}
    assert not [q for q, _ in CASES if q.lower() in examples]


def test_paraphrases_route_to_the_expected_intent() -> None:
    assert len(CASES) >= 60
    wrong = [(q, want, (route(q) or ("nothing",))[0]) for q, want in CASES if (route(q) or ("nothing",))[0] != want]
    assert len(wrong) <= len(CASES) // 10, wrong


def test_knowledge_questions_search_the_knowledge_base_with_the_question() -> None:
    question = "how do i build an index without blocking writes"
    assert route(question) == ("knowledge", [("search_knowledge", {"query": question})])


@pytest.mark.parametrize("chatter", ["tell me a joke", "hello there", "good morning"])
def test_off_topic_routes_nowhere(chatter: str) -> None:
    assert route(chatter) is None
