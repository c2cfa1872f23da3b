"""`dbsage demo`: set up the demo database (planted problems included) and print the report on it.

The server: `--db`, else DBSAGE_DB / PG* / libpq defaults, else an embedded PostgreSQL (tools/demo/server.py).
Progress goes to stderr, the report to stdout; `--format json` prints one JSON document.
"""

from __future__ import annotations

from typing import Annotated

import typer

from dbsage.agent.cli.options import DbOption, FormatOption
from dbsage.agent.cli.output import Format, emit_json, reporting, stderr, stdout


def demo_command(
    db: DbOption = None,
    fmt: FormatOption = Format.table,
    scale: Annotated[str | None, typer.Option(
        "--scale", help="full (default), small, or a factor like 0.2. Default: $DBSAGE_DEMO_SCALE, then full.",
        show_default=False)] = None,
    embedded: Annotated[bool, typer.Option(
        "--embedded", help="use the embedded PostgreSQL even if another server answers ($DBSAGE_DEMO_EMBEDDED=1)"
    )] = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="drop and rebuild the demo database")] = False,
    stop: Annotated[bool, typer.Option("--stop", help="stop the embedded PostgreSQL and exit")] = False,
    engine_name: Annotated[str | None, typer.Option(
        "--engine", help="which engine's demo shop to build (an engine name; a wrong one lists them). Default: the "
        "first engine's; --db picks the server", show_default=False)] = None,
) -> None:
    """Build a demo database with planted problems (once) and show what dbsage finds in it."""
    from dbsage.agent.cli.demo import DEMO_NEEDS, run_sections
    from dbsage.agent.cli.render.demo_setup import print_setup, print_step
    from dbsage.tools.demo.scale import parse_scale
    from dbsage.tools.demo.setup import demo_engine, set_up_demo
    from dbsage.tools.engines.registry import open_engine

    with reporting(fmt.value):
        if stop:
            _stop_embedded(fmt)
            return
        demo_scale = parse_scale(scale)
        stderr.print(f"dbsage demo: preparing the demo database (scale {demo_scale.name})…")
        setup = set_up_demo(db, demo_scale, embedded=embedded, rebuild=rebuild, on_step=print_step,
                            on_note=lambda note: stderr.print(f"  note: {note}", highlight=False),
                            engine=demo_engine(engine_name))
        print_setup(setup)
        engine = open_engine(setup.target, needs=DEMO_NEEDS, command="demo")
        try:
            sections = run_sections(engine, stdout, fmt.value)
        finally:
            engine.close()
        if fmt is Format.json:
            emit_json("demo", server=setup.server.info, database=setup.database, sections=sections)


def _stop_embedded(fmt: Format) -> None:
    from dbsage.tools.embedded_postgres import EmbeddedPostgres

    server = EmbeddedPostgres()
    stopped = server.stop()
    if fmt is Format.json:
        emit_json("demo", stopped=stopped, embedded_dir=str(server.base))
    else:
        stdout.print(f"embedded PostgreSQL in {server.base}: " + ("stopped" if stopped else "was not running"))
