"""The PostgreSQL engine: the only place that imports its driver.

Map: adapter.py (PostgresEngine: pool, session settings, introspect, server_report), query.py (run through the
guard), explain.py, stats.py (top statements), checks.py (facts for tools/checks' rules), whatif.py (hypopg: the
advisor's backend), demo.py (loads the demo database), sqlfiles.py + sql/ (catalog and diagnosis SQL).

To add a feature (see tools/engines/base.py for the protocol): implement the method on the adapter, in a module
of this folder that fills the neutral models (tools.explain, tools.top, tools.checks, tools.advisor.backend), and
add the feature to this engine's line in tools/engines/registry.py. Importing this package loads no driver.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    # `from dbsage.tools.engines.postgres import <adapter name>` keeps working; the driver loads only then.
    from dbsage.tools.engines.postgres import adapter

    return getattr(adapter, name)
