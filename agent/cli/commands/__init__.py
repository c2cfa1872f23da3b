"""One module per `dbsage` command, each a thin `<name>_command` function registered in agent/cli/app.py.

A command parses its options, opens what it needs, calls a typed function, and prints the result with a renderer
from agent/cli/render/ (or `emit_json` for `--format json`) inside `reporting(...)`, which turns typed errors into
messages and exit codes. Heavy imports (drivers, langchain, mcp) go inside the function.
"""
