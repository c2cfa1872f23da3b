"""The agent's tools: one registry feeds the langchain loop, the plain router and the MCP server.

Map: `spec.py` (ToolSpec: name, input model, result model, run, summarize; descriptions from prompts/tools/),
`context.py` (ToolContext: the target, its engine opened on first use, the store of full results), `registry.py`
(SECTIONS, registry(), call() → ToolOutcome), and one module per section of tools, each with a `SPECS` list:
`schema.py`, `query.py`, `diagnosis.py`, `change.py`.

To add a tool: write it in its section's module (input model, `_run(ctx, params)`, `_summarize(result)`), add one
`ToolSpec(...)` line to that module's SPECS, and write `prompts/tools/<name>.txt`. A new section (e.g. knowledge,
migration) is a new module with SPECS plus its name in `registry.SECTIONS`.

Imports run one way: spec/context ← section modules ← registry. This package imports no front end.
"""

from dbsage.agent.toolkit.context import ResultStore, ToolContext
from dbsage.agent.toolkit.registry import ToolOutcome, call, get_tool, registry
from dbsage.agent.toolkit.spec import ToolSpec, tool_description

__all__ = ["ResultStore", "ToolContext", "ToolOutcome", "ToolSpec", "call", "get_tool", "registry",
           "tool_description"]
