"""Engine adapters: the only package that imports database drivers.

Map: `base.py` (the Engine protocol, EngineBase with CapabilityMissing for what an engine lacks, SessionLimits),
`registry.py` (ENGINES: one EngineInfo line per engine — schemes, title, adapter, guard grammar, features — and
`open_engine(target, needs=…)`), and one folder per engine: `postgres/`, `mysql/`, `mongo/`, each with adapter.py
(the class), the modules of its features (query, explain, stats, checks, whatif, …) and `sql/` beside them.

To add an engine, see registry.py. To add a feature to an engine: implement the protocol method on its adapter
(in a module of its folder, e.g. mysql/explain.py filling tools.explain's models) and add the feature to its
EngineInfo line. Front ends only ever call `open_engine`.

This package's own import loads nothing heavy: the names below are resolved on first use.
"""

from typing import Any

__all__ = ["Engine", "SessionLimits", "connect", "open_engine"]


def __getattr__(name: str) -> Any:
    if name in ("Engine", "EngineBase", "SessionLimits", "connect"):
        from dbsage.tools.engines import base

        return getattr(base, name)
    if name == "open_engine":
        from dbsage.tools.engines.registry import open_engine

        return open_engine
    raise AttributeError(name)
