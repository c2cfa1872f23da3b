"""Index advisor: workload → candidate indexes → what-if costs from the real planner → search under a budget.

Map: `workload.py` (statements to advise for), `access.py` (what each statement reads, via sqlglot),
`candidate.py`/`candidates.py` (index candidates), `backend.py` (WhatIfBackend: what an engine supplies — planner
costs with hypothetical indexes, its statistics workload), `search.py` (budgeted search), `drops.py`, `heuristic.py`
(ranking when no what-if is possible), `report.py` (AdviceReport: what front ends read), `advisor.py` (the whole
run: `advise_database(engine, …)` over the protocol's `introspect` and `what_if`), `mysql_candidates.py` (MySQL's).

Pure logic: no driver is imported here. PostgreSQL's backend is tools/engines/postgres/whatif.py (hypopg). To add an
engine: implement `what_if()` on its adapter returning a WhatIfBackend, and declare "what_if" in its registry line.
"""
