"""The tools: plain, typed, read-only functions — the product; every front end reaches the same ones.

Map: `engines/` (the only place with drivers: registry, protocol, one folder per engine), `guard/` (read-only
statement checks, one grammar per engine), `explain/`, `checks/`, `advisor/` (engine-neutral models, each engine's
parsing and rules named `<engine>_…`), `migrations/` (lint, draft, render), `demo/` (the demo database), and one
module per noun: `targets.py` (which database), `schema.py`, `capabilities.py`, `query_result.py`, `top.py`,
`errors.py`, `redact.py`, `visible.py`, `state.py` (state dir, OS user), `units.py` (sizes and counts in words),
`index_ddl.py` (the one renderer of PostgreSQL CREATE INDEX: partition-aware, for advice, fixes and proposals).

Rules (tests/test_layout.py): no LLM or front-end library here and never an import of `dbsage.agent`; drivers only
under `engines/`. To add a capability: a typed function here first; front ends then only call and render it.
"""
