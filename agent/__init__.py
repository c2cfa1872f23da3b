"""The agent and its front ends: everything that talks to people or to other agents.

Map: `loop.py` (langchain agent loop), `router.py` (answers without a model), `ask.py` (one question, either way),
`answer.py`, `injection.py` (database text is data), `model.py` (which chat model), `transcripts.py`;
`toolkit/` (the tools every front end shares: spec, registry, tool modules by section), `proposals/` (drafts a
person approves; SQLite with numbered migrations), and the front ends `cli/` (typer + rich), `mcp/` (MCP server),
and the others as they arrive (tui/, slack/). Front ends never import an engine module or name an engine: they ask
`dbsage.tools.engines.registry.open_engine(target, needs=…)` and render the typed results.

To add a front end: a subpackage here that builds a `toolkit.ToolContext` for its target and renders the typed
results its own way; register its command in `cli/app.py`.
"""
