"""The engine registry: each engine declared once, its features matching what its adapter implements, and a
front end asking for a feature an engine lacks told so before anything connects."""

from __future__ import annotations

import dataclasses

import pytest

from dbsage.tools.engines import registry
from dbsage.tools.engines.base import EngineBase, SessionLimits
from dbsage.tools.engines.registry import ENGINES, engine_for_scheme, engine_info, open_engine, require
from dbsage.tools.errors import CapabilityMissing, UsageError
from dbsage.tools.targets import resolve

OPTIONAL = ("run", "explain", "top_statements", "checks", "what_if")


@pytest.mark.parametrize("info", ENGINES, ids=lambda info: info.name)
def test_declared_features_are_the_ones_the_adapter_implements(info) -> None:
    adapter = info.adapter_class()
    assert issubclass(adapter, EngineBase) and adapter.name == info.name
    implemented = {f for f in OPTIONAL if getattr(adapter, f) is not getattr(EngineBase, f)}
    assert implemented == set(info.features) & set(OPTIONAL)


def test_every_scheme_names_exactly_one_engine() -> None:
    schemes = [s for info in ENGINES for s in info.schemes]
    assert len(schemes) == len(set(schemes))
    assert {engine_for_scheme(s.upper()) for s in ("postgresql", "mariadb", "mongodb+srv")} == \
        {"postgres", "mysql", "mongo"}
    with pytest.raises(UsageError, match="unknown database scheme 'oracle://'") as caught:
        engine_for_scheme("oracle")
    assert "postgresql://" in (caught.value.hint or "")
    with pytest.raises(UsageError, match="no engine named 'db2'"):
        engine_info("db2")


def test_a_missing_feature_is_refused_before_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every engine offers every feature now: declare MongoDB without its diagnosis features to test the refusal.
    basic = dataclasses.replace(engine_info("mongo"), features=frozenset({"introspect", "server_report", "run"}))
    monkeypatch.setattr(registry, "ENGINES", tuple(basic if e.name == "mongo" else e for e in registry.ENGINES))
    target = resolve("mongodb://127.0.0.1:1/app")  # nothing listens on port 1: a connection attempt would fail
    with pytest.raises(UsageError, match="dbsage check supports PostgreSQL.* only so far; this target is MongoDB"):
        open_engine(target, needs={"checks"}, command="check")
    with pytest.raises(CapabilityMissing, match="checks on MongoDB is not built yet") as caught:
        require(target, {"checks"})
    assert "PostgreSQL" in (caught.value.hint or "")


def test_the_base_says_what_is_missing_and_where_it_works() -> None:
    lacking = [(info, f) for info in ENGINES for f in OPTIONAL if f not in info.features]
    for info, feature in lacking:
        engine = info.adapter_class()(resolve(f"{info.schemes[0]}://127.0.0.1:1/x"), SessionLimits())
        with pytest.raises(CapabilityMissing, match=f"{feature} on {info.title} is not built yet"):
            method = getattr(engine, feature)
            method("SELECT 1") if feature in ("run", "explain") else method()
