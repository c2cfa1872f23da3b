"""The MySQL/MariaDB engine: the only place that imports its driver.

Map: adapter.py (MySQLEngine: connections, introspect, server_report, and the features below), query.py (run
through the guard), catalog.py (rows → tools.schema models), grants.py (what the login may do), explain.py (EXPLAIN /
ANALYZE FORMAT=JSON → tools.explain), top.py (performance_schema digests → tools.top), checks.py (facts for
tools/checks/mysql_rules), advise.py (index advice, verified on a --scratch copy), demo.py (the demo shop loader),
sqlfiles.py + sql/.

To add a feature (see tools/engines/base.py for the protocol): implement the method on the adapter, in a module
of this folder that fills the neutral models (tools.explain, tools.top, tools.checks, tools.advisor.backend), and
add the feature to this engine's line in tools/engines/registry.py. Importing this package loads no driver.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    # `from dbsage.tools.engines.mysql import <adapter name>` keeps working; the driver loads only then.
    from dbsage.tools.engines.mysql import adapter

    return getattr(adapter, name)
