"""dbsage: a conversational DBA assistant over guarded, read-only tools.

Map: `tools/` (the product: typed, read-only functions — engines, guard, explain, checks, advisor, migrations; no
LLM, no front-end library), `knowledge/` (best-practice documents and their search), `agent/` (the agent loop, the
tool registry, proposals, and the front ends: cli/, mcp/, …), `prompts/` (system prompt and tool descriptions as
text). README's "Development" section says where a new command, tool, engine feature or engine goes.
"""

__version__ = "0.1.0"
