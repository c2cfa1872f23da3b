"""The `dbsage` command line (typer + rich).

Map: `app.py` (the table of contents: every command registered in one place; `main` is the console script),
`commands/` (one thin module per command), `render/` (one module per result type: how people see a SchemaSnapshot,
a QueryResult, an ExplainResult, …), `output.py` (consoles, versioned JSON, typed errors → messages and exit
codes), `options.py` (--db and --format, declared once), `demo.py` (the demo's report, composed from the renderers).

To add a command, see app.py. To show a new result type, add `render/<result>.py` with a `print_…(result, console)`.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    # `dbsage.agent.cli:main`, the console script of installs made before app.py existed, keeps working without
    # loading every command when only a renderer is imported. (`app` is the module here: use `cli.app.app`.)
    if name == "main":
        from dbsage.agent.cli.app import main

        return main
    raise AttributeError(name)
