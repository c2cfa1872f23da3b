"""`dbsage mcp`: serve dbsage's tools to a coding agent over MCP (stdio by default, `--http` for streamable HTTP)."""

from __future__ import annotations

from typing import Annotated

import typer

from dbsage.agent.cli.options import DbOption
from dbsage.agent.cli.output import reporting


def mcp_command(
    db: DbOption = None,
    http: Annotated[bool, typer.Option("--http", help="serve streamable HTTP instead of stdio")] = False,
    host: Annotated[str, typer.Option(help="address for --http")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port for --http")] = 8000,
) -> None:
    """Run the MCP server for one database: schema, query (guarded), explain, top, checkup, advise, proposals."""
    from dbsage.agent.mcp.server import build_server
    from dbsage.agent.toolkit.context import ToolContext
    from dbsage.tools.targets import resolve

    with reporting():
        if http:
            _require_free_port(host, port)
            _warn_if_exposed(host)
        ctx = ToolContext(resolve(db), origin="mcp")
        try:
            server = build_server(ctx)
            if http:
                server.run("streamable-http", host=host, port=port)
            else:
                server.run("stdio")
        finally:
            ctx.close()


def _warn_if_exposed(host: str) -> None:
    """The HTTP transport has no authentication: say so loudly when it listens beyond this machine."""
    import ipaddress
    import socket
    import sys

    try:
        loopback = all(ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None))
    except (OSError, ValueError):
        loopback = False
    if not loopback:
        sys.stderr.write(f"warning: dbsage mcp listens on {host} without authentication: anyone who can reach it can "
                         "read this database through dbsage's tools. Keep it on 127.0.0.1, or put an "
                         "authenticating proxy in front.\n")


def _require_free_port(host: str, port: int) -> None:
    """Fail with the next step before the server starts: the web server would log the clash and exit with 3,
    which dbsage's CLI reserves for the guard's refusals."""
    import socket

    from dbsage.tools.errors import UsageError

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise UsageError(f"cannot serve on {host}:{port}: {exc.strerror}",
                         "pick a free port with --port, or the address of this machine with --host") from None
