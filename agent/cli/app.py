"""The `dbsage` command line as a table of contents: every command is one import and one registration line below.

To add a command: write `agent/cli/commands/<name>.py` with a thin `<name>_command(...)` function (parse options,
call a typed function in tools/ or agent/, print with a renderer from agent/cli/render/ or `emit_json`), import it
here and add `app.command("<name>")(<name>_command)`; a command group is a typer app added with `app.add_typer`.

Start-up must stay instant: command modules import typer/rich only at the top; drivers, langchain, chromadb and mcp
are imported inside the command that needs them (a test checks `dbsage --help` loads none of them).
"""

from __future__ import annotations

import typer

from dbsage import __version__
from dbsage.agent.cli.commands.advise import advise_command
from dbsage.agent.cli.commands.apply import apply_command
from dbsage.agent.cli.commands.ask import ask_command
from dbsage.agent.cli.commands.chat import chat_command
from dbsage.agent.cli.commands.check import check_command
from dbsage.agent.cli.commands.demo import demo_command
from dbsage.agent.cli.commands.doctor import doctor_command
from dbsage.agent.cli.commands.explain import explain_command
from dbsage.agent.cli.commands.kb import kb_app
from dbsage.agent.cli.commands.lint import lint_command
from dbsage.agent.cli.commands.mcp import mcp_command
from dbsage.agent.cli.commands.migrate import migrate_app
from dbsage.agent.cli.commands.move_store import move_store_command
from dbsage.agent.cli.commands.proposals import proposals_app
from dbsage.agent.cli.commands.rehearse import rehearse_command
from dbsage.agent.cli.commands.schema import schema_command
from dbsage.agent.cli.commands.slack import slack_command
from dbsage.agent.cli.commands.sql import sql_command
from dbsage.agent.cli.commands.top import top_command

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
app.command("chat")(chat_command)
app.command("mcp")(mcp_command)
app.command("slack")(slack_command)
app.command("advise")(advise_command)
app.command("lint")(lint_command)
proposals_app.command("apply")(apply_command)
proposals_app.command("move-store")(move_store_command)
app.add_typer(proposals_app, name="proposals")
migrate_app.command("rehearse")(rehearse_command)
app.add_typer(migrate_app, name="migrate")
app.add_typer(kb_app, name="kb")


def main() -> None:
    from dbsage.agent.cli.output import run_cli

    run_cli(app)
