"""`dbsage migrate draft INTENT`: the safe multi-step pattern for a schema change, rendered for the team's tool.

Offline by default (give --dialect / --server-version); with --db the table and columns are checked on the live
database (read-only) and its server version decides the pattern. --to/--out write the files in the tool's layout;
--propose files the draft as a proposal of kind `migration` with its lint verdict. Nothing is ever applied.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dbsage.agent.cli.output import emit_json, reporting, stdout

if TYPE_CHECKING:
    from dbsage.tools.migrations.draft.model import DraftRequest, MigrationDraft
    from dbsage.tools.migrations.render.common import RenderedFile

migrate_app = typer.Typer(help="Draft schema changes in the safe pattern for your server, for your migration tool.",
                          no_args_is_help=True)


class TextOrJson(StrEnum):
    text = "text"
    table = "table"  # what every other command calls the people's format
    json = "json"


class Tool(StrEnum):
    sql = "sql"
    alembic = "alembic"
    django = "django"
    prisma = "prisma"
    drizzle = "drizzle"
    typeorm = "typeorm"
    sequelize = "sequelize"
    flyway = "flyway"


@migrate_app.command("draft")
def draft_command(
    intent: Annotated[str, typer.Argument(help="add-index, add-unique, add-column, add-foreign-key, add-check, "
                                               "set-not-null, change-type, rename-column, rename-table, "
                                               "drop-column, backfill")],
    table: Annotated[str, typer.Option("--table", "-t", help="the table (schema.table or table)")],
    column: Annotated[list[str] | None, typer.Option("--column", "-c", help="column(s): repeat, or a,b")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="column type (add-column, change-type)")] = None,
    default: Annotated[str | None, typer.Option("--default", help="SQL default expression, e.g. 0 or 'new'")] = None,
    not_null: Annotated[bool, typer.Option("--not-null", help="add-column: NOT NULL")] = False,
    unique: Annotated[bool, typer.Option("--unique", help="add-index: a unique index")] = False,
    references: Annotated[str | None, typer.Option("--references", help="add-foreign-key: table(column)")] = None,
    check: Annotated[str | None, typer.Option("--check", help="add-check: the boolean expression")] = None,
    new_name: Annotated[str | None, typer.Option("--new-name", help="rename-column / rename-table")] = None,
    name: Annotated[str | None, typer.Option("--name", help="index or constraint name")] = None,
    set_expr: Annotated[str | None, typer.Option("--set", help="backfill: the value each row gets")] = None,
    where: Annotated[str | None, typer.Option("--where", help="partial index / backfill predicate")] = None,
    key: Annotated[str | None, typer.Option("--key", help="backfill: the column batches walk (default: PK)")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="backfill: rows per committed batch")] = 1000,
    lock_timeout: Annotated[str, typer.Option("--lock-timeout", help="how long a DDL step waits for its lock")] = "3s",
    db: Annotated[str | None, typer.Option("--db", help="check against this live database (DSN or connection "
                                                        "name); its version decides the pattern")] = None,
    dialect: Annotated[str | None, typer.Option("--dialect", help="postgres, mysql or mariadb (without --db)")] = None,
    server_version: Annotated[str | None, typer.Option("--server-version", help="e.g. 15, 8.0.36, 10.11")] = None,
    to: Annotated[Tool | None, typer.Option("--to", help="render for this migration tool")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="write the rendered files into this folder")] = None,
    version: Annotated[str | None, typer.Option("--version", help="flyway: the version (default: a timestamp)")]
    = None,
    propose: Annotated[bool, typer.Option("--propose", help="file the draft as a proposal (kind migration)")] = False,
    fmt: Annotated[TextOrJson, typer.Option("--format", "-f", help="text for people, json for programs")]
    = TextOrJson.text,
) -> None:
    """Draft INTENT in the safe multi-step pattern: up, down, and the application's steps between phases."""
    output = "json" if fmt is TextOrJson.json else "table"
    with reporting(output):
        request = build_request(dict(
            intent=intent, table=table, columns=[c.strip() for item in column or [] for c in item.split(",")
                                                 if c.strip()],
            type=type_, default=default, not_null=not_null, unique=unique, references=references, check=check,
            new_name=new_name, name=name, set_expr=set_expr, where=where, key=key, batch_size=batch_size,
            lock_timeout=lock_timeout))
        draft = make_draft(request, db, dialect, server_version)
        verdict = lint_or_none(draft)
        files = render_files(draft, to, out, version)
        written = _write(files, out) if out is not None and files else []
        proposal = _propose(draft, verdict, db) if propose else None
        if output == "json":
            emit_json("migrate draft", draft=draft, lint=verdict, files=[str(p) for p in written] or
                      [f.path for f in files], proposal=proposal)
            return
        from dbsage.agent.cli.render.migration import render_draft_text

        render_draft_text(draft, verdict)
        _report_files(files, written)
        if proposal is not None:
            stdout.print(f"filed proposal #{proposal}: review with `dbsage proposals show {proposal}`")


def build_request(fields: dict[str, Any]) -> DraftRequest:
    """The request, with pydantic's complaint (e.g. --batch-size 0) turned into a usage error."""
    from pydantic import ValidationError

    from dbsage.tools.errors import UsageError
    from dbsage.tools.migrations.draft.model import DraftRequest

    try:
        return DraftRequest(**fields)
    except ValidationError as exc:
        problem = exc.errors()[0]
        option = "--" + str(problem["loc"][0]).replace("_", "-")
        raise UsageError(f"{option}: {problem['msg']}", f"fix {option}") from None


def make_draft(request: DraftRequest, db: str | None, dialect: str | None,
               server_version: str | None) -> MigrationDraft:
    from dbsage.tools.migrations.draft import draft_migration

    if db is None:
        return draft_migration(request, dialect=dialect, server_version=server_version)
    engine = open_read_only(db)
    try:
        return draft_migration(request, engine=engine, server_version=server_version)
    finally:
        engine.close()


def open_read_only(db: str) -> Any:
    """The read-only engine for --db (introspection and the server's version are all a draft reads)."""
    from dbsage.tools.engines.registry import open_engine
    from dbsage.tools.targets import resolve

    return open_engine(resolve(db), needs={"introspect", "server_report"}, command="migrate draft")


def lint_or_none(draft: MigrationDraft) -> dict[str, Any] | None:
    """The draft's lint verdict, or None while this dbsage has no linter to judge it with."""
    try:
        from dbsage.tools.migrations.lint import lint_sql  # noqa: F401 — presence check
    except ImportError:
        return None
    from dbsage.tools.migrations.draft.verdict import lint_verdict

    return lint_verdict(draft)


def render_files(draft: MigrationDraft, to: Tool | None, out: Path | None, version: str | None) -> list[RenderedFile]:
    if to is None and out is None:
        return []
    from dbsage.tools.migrations.render import render_draft

    return render_draft(draft, (to or Tool.sql).value, out_dir=out, version=version)


def _write(files: list[RenderedFile], out: Path) -> list[Path]:
    from dbsage.tools.migrations.render import write_files

    return write_files(files, out)


def _report_files(files: list[RenderedFile], written: list[Path]) -> None:
    if written:
        stdout.print("\n[bold]wrote[/bold]")
        for path in written:
            stdout.print(f"  {path}", markup=False)
        return
    for file in files:  # --to without --out: show what would be written
        stdout.rule(file.path, characters="─")
        stdout.print(file.content, markup=False, end="", soft_wrap=True)  # files are copied, not read wrapped


def _propose(draft: MigrationDraft, verdict: dict[str, Any] | None, db: str | None) -> int:
    from dbsage.agent.proposals.migration import file_migration

    return file_migration(draft, verdict, by="dbsage migrate draft", target=db).id
