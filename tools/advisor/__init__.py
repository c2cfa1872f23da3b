"""Index advisor: workload → candidate indexes → what-if costs from the real planner → search under a budget.

Pure logic: no driver is imported here. The engine side (tools/engines/postgres_whatif.py) supplies plan costs with
hypothetical indexes through the `WhatIfBackend` protocol (tools/advisor/backend.py).
"""
