"""Bad input to a draft: unknown table or column (exit 1, naming the close matches, read from a live database),
unknown intent or dialect (exit 2), options an intent needs, and SQL smuggled into an option."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from test_draft_apply import PG_SETUP, draft_live

from dbsage.tools.errors import DbsageError, UsageError
from dbsage.tools.migrations.draft import DraftRequest, draft_migration


@pytest.fixture(scope="module")
def shop(make_pg_db: Callable[..., str]) -> str:
    return make_pg_db(PG_SETUP)


def test_unknown_table_names_close_matches(shop: str) -> None:
    with pytest.raises(DbsageError) as raised:
        draft_live(shop, dict(intent="add-index", table="order", columns=["amount"]))
    assert raised.value.exit_code == 1 and "no table order" in raised.value.message
    assert "orders" in raised.value.message and raised.value.hint


def test_unknown_column_names_close_matches(shop: str) -> None:
    with pytest.raises(DbsageError) as raised:
        draft_live(shop, dict(intent="set-not-null", table="orders", columns=["ammount"]))
    assert raised.value.exit_code == 1 and "did you mean amount" in raised.value.message


def test_unknown_referenced_table(shop: str) -> None:
    with pytest.raises(DbsageError, match="no table customer — did you mean customers"):
        draft_live(shop, dict(intent="add-foreign-key", table="orders", columns=["customer_id"],
                              references="customer(id)"))


def test_a_name_that_is_taken_is_refused_before_its_down_could_drop_the_original(shop: str) -> None:
    # Found on pagila: a draft named like an existing constraint failed on up, and its down (DROP … IF EXISTS)
    # then dropped the constraint that had been there.
    with pytest.raises(UsageError, match="already has an index or constraint named orders_legacy_idx"):
        draft_live(shop, dict(intent="add-index", table="orders", columns=["amount"], name="orders_legacy_idx"))
    with pytest.raises(UsageError, match="named orders_pkey"):
        draft_live(shop, dict(intent="add-check", table="orders", check="amount >= 0", name="orders_pkey"))


def test_a_foreign_key_that_exists_is_not_drafted_again(make_pg_db: Callable[..., str]) -> None:
    db = make_pg_db("CREATE TABLE a (id bigint PRIMARY KEY);"
                    "CREATE TABLE b (id bigint PRIMARY KEY, a_id bigint CONSTRAINT b_owner REFERENCES a (id));")
    with pytest.raises(UsageError, match=r"b \(a_id\) already references .*a through b_owner"):
        draft_live(db, dict(intent="add-foreign-key", table="b", columns=["a_id"], references="a(id)"))


def test_add_column_that_exists(shop: str) -> None:
    with pytest.raises(UsageError, match="already has a column amount"):
        draft_live(shop, dict(intent="add-column", table="orders", columns=["amount"], type="int"))


def test_unknown_intent_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as raised:
        draft_migration(DraftRequest(intent="add-indx", table="orders", columns=["a"]))
    assert raised.value.exit_code == 2 and "add-index" in (raised.value.hint or "")


@pytest.mark.parametrize(("request_fields", "message"), [
    (dict(intent="add-column", table="t", columns=["c"], type="int", not_null=True), "needs a value"),
    (dict(intent="add-column", table="t", columns=["c"], type="int; DROP TABLE t"), "holds a ';'"),
    (dict(intent="add-check", table="t", check="a > 0); DROP TABLE t; --"), "holds a ';'"),
    (dict(intent="add-column", table="t", columns=["c"], type="no such type here"), "does not parse"),
    (dict(intent="change-type", table="t", columns=["c"], type="bigint"), "give --db"),
    (dict(intent="rename-column", table="t", columns=["c"]), "new name"),
    (dict(intent="add-index", table="t"), "columns to index"),
    (dict(intent="add-foreign-key", table="t", columns=["c"]), "add-foreign-key needs --references"),
    (dict(intent="add-column", table="t", columns=["c"]), "--type is missing"),
])
def test_options_an_intent_needs(request_fields: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        draft_migration(DraftRequest(**request_fields))  # type: ignore[arg-type]


def test_unknown_dialect() -> None:
    with pytest.raises(UsageError, match="unknown dialect"):
        draft_migration(DraftRequest(intent="add-index", table="t", columns=["a"]), dialect="oracle")


def test_mysql_has_no_partial_index() -> None:
    with pytest.raises(UsageError, match="no partial indexes"):
        draft_migration(DraftRequest(intent="add-index", table="t", columns=["a"], where="a > 0"), dialect="mysql")
