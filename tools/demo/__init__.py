"""The demo database `dbsage_demo`: a blog/shop app with planted problems, for `dbsage demo` and the tests.

Data, not code, lives here: the schema/data SQL (schema.sql, data.sql, indexes.sql), the app's queries
(workload.sql, parsed by `workload.py`), the planted problems (`problems.py`) and the scale (`scale.py`). The loader
that sends it to a server is `dbsage.tools.engines.postgres.demo` (only tools/engines touches drivers).
"""

from __future__ import annotations

DEMO_DATABASE = "dbsage_demo"
# Bump when schema.sql/data.sql/indexes.sql/workload.sql change: an older demo database is then rebuilt.
DEMO_VERSION = 1
