"""The MCP front end: `server.py` builds an MCP server (mcp SDK 2.x) exposing every tool of agent/toolkit and `ask`.

New agent tools appear here without a change: the server reads the toolkit's registry. `dbsage mcp` (in
agent/cli/commands/mcp.py) starts it over stdio or streamable HTTP.
"""
