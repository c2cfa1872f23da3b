"""Prompts as text, versioned with the code: `system.txt` (the agent's system prompt) and `tools/<tool>.txt` (what a
model or MCP client reads about each tool). To add a tool's description: `tools/<name>.txt`, named like its ToolSpec.
"""
