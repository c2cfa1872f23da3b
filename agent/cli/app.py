"""The `dbsage` command line: a table of contents of the tool. Commands live in agent/commands/, one module each.

Start-up must stay instant: command modules import typer/rich only at the top; drivers, langchain, chromadb and mcp
are imported inside the command that needs them.
"""

from __future__ import annotations

import typer

from dbsage import __version__
from dbsage.agent.commands.advise import advise_command
from dbsage.agent.commands.ask import ask_command
from dbsage.agent.commands.check import check_command
from dbsage.agent.commands.demo import demo_command
from dbsage.agent.commands.doctor import doctor_command
from dbsage.agent.commands.explain import explain_command
from dbsage.agent.commands.mcp import mcp_command
from dbsage.agent.commands.proposals import proposals_app
from dbsage.agent.commands.schema import schema_command
from dbsage.agent.commands.sql import sql_command
from dbsage.agent.commands.top import top_command

app = typer.Typer(
    name="dbsage",
    help="A DBA assistant: read-only diagnosis, index advice proven by the planner, changes as proposals.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dbsage {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """dbsage — the DBA assistant that proves its advice with the database's own planner."""


app.command("schema")(schema_command)
app.command("sql")(sql_command)
app.command("doctor")(doctor_command)
app.command("explain")(explain_command)
app.command("top")(top_command)
app.command("check")(check_command)
app.command("demo")(demo_command)
app.command("ask")(ask_command)
app.command("mcp")(mcp_command)
app.command("advise")(advise_command)
app.add_typer(proposals_app, name="proposals")


def main() -> None:
    from dbsage.agent.output import run_cli

    run_cli(app)
