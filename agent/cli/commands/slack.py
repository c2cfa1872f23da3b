"""`dbsage slack`: the Slack bot (agent/slack/). Socket Mode by default; `--http --port P` for HTTP events."""

from __future__ import annotations

from typing import Annotated

import typer

from dbsage.agent.cli.output import reporting


def slack_command(
    http: Annotated[bool, typer.Option("--http", help="receive HTTP events (needs SLACK_SIGNING_SECRET) instead of "
                                                      "Socket Mode (SLACK_APP_TOKEN)")] = False,
    host: Annotated[str, typer.Option(help="address for --http")] = "0.0.0.0",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port for --http")] = 3000,
    router: Annotated[bool, typer.Option("--router", help="use the plain router, even with a model")] = False,
) -> None:
    r"""Run dbsage as a Slack bot: one thread is one conversation; channels map to connections in dbsage.toml
    (\[slack.channels]); proposals come as cards only the \[slack] approvers can decide. Needs SLACK_BOT_TOKEN."""
    from dbsage.agent.slack import run_slack

    with reporting():
        run_slack(http=http, host=host, port=port, use_model=not router,
                  announce=lambda line: typer.echo(line, err=True))
