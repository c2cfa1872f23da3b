"""`dbsage doctor`: server version, capabilities with the fix for each missing one, and what the login may do."""

from __future__ import annotations

from dbsage.agent.cli.options import DbOption, FormatOption
from dbsage.agent.cli.output import Format, emit_json, reporting


def doctor_command(db: DbOption = None, fmt: FormatOption = Format.table) -> None:
    """Check what the server offers dbsage and whether the login is safely read-only."""
    from dbsage.agent.cli.render.server import print_server
    from dbsage.agent.proposals.store import store_location
    from dbsage.tools.engines.registry import open_engine
    from dbsage.tools.targets import resolve

    with reporting(fmt.value):
        engine = open_engine(resolve(db), needs={"server_report"})
        try:
            report = engine.server_report()
        finally:
            engine.close()
        store, origin = store_location()  # which approval queue this process files into and reads (not opened here)
        if fmt is Format.json:
            emit_json("doctor", report=report, proposals_store=store, proposals_store_from=origin)
            return
        print_server(report)
        from dbsage.agent.cli.output import stdout

        stdout.print(f"proposals store: {store} (from {origin})", markup=False, soft_wrap=True)
