"""The MongoDB engine: the only place that imports its driver.

Map: adapter.py (MongoEngine: client, introspect by sampling, server_report), query.py (run a guarded command
document), shapes.py (documents → columns, indexes, capabilities).

To add a feature (see tools/engines/base.py for the protocol): implement the method on the adapter, in a module
of this folder that fills the neutral models (tools.explain, tools.top, tools.checks, tools.advisor.backend), and
add the feature to this engine's line in tools/engines/registry.py. Importing this package loads no driver.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    # `from dbsage.tools.engines.mongo import <adapter name>` keeps working; the driver loads only then.
    from dbsage.tools.engines.mongo import adapter

    return getattr(adapter, name)
