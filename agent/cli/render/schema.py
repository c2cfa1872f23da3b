"""The schema (SchemaSnapshot) for people: an overview of every object, or one table in detail."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from dbsage.agent.cli.output import data_table, stdout
from dbsage.tools.units import human_bytes, human_count

if TYPE_CHECKING:  # the models import pydantic: keep it off the start-up path
    from dbsage.tools.schema import SchemaSnapshot, Table

# rich lays out a table by measuring every cell: about 1 s for 2,000 rows. Past this many objects the overview is
# printed as plain aligned text, which costs next to nothing.
RICH_OVERVIEW_MAX_ROWS = 200


def _overview_rows(snapshot: SchemaSnapshot) -> list[tuple[str, ...]]:
    return [
        (t.qualified_name, _kind(t), str(len(t.columns)), human_count(t.row_estimate), human_bytes(t.size_bytes),
         str(len(t.indexes)), "yes" if t.primary_key else ("—" if t.kind != "table" else "no"), (t.comment or "")[:40])
        for t in snapshot.tables
    ]


def _kind(table: Table) -> str:
    if table.partition_of:
        return "partition"
    if table.partitions:
        return f"{table.kind} ({len(table.partitions)})"
    return table.kind


_OVERVIEW_HEADERS = ("object", "kind", "columns", "rows (est.)", "size", "indexes", "PK", "comment")
_RIGHT_ALIGNED = {"columns", "rows (est.)", "size", "indexes"}
_NARROW_HEADERS = ("object", "kind", "cols", "rows", "size", "idx", "PK")


def print_overview(snapshot: SchemaSnapshot) -> None:
    if not snapshot.tables:  # often a DSN without a database name (mysql://root@host/), not an empty database
        stdout.print(f"no tables, views or collections in {snapshot.engine} · {snapshot.database}", markup=False)
        stdout.print("  → check that --db names the database: postgresql://user@host/DATABASE, "
                     "mysql://user@host/DATABASE", markup=False)
        return
    title = f"{snapshot.engine} · {snapshot.database} · {len(snapshot.tables)} objects"
    rows = _overview_rows(snapshot)
    if len(rows) > RICH_OVERVIEW_MAX_ROWS:
        _print_plain(title, rows)
        return
    headers: tuple[str, ...] = _OVERVIEW_HEADERS
    if _fixed_width(rows) + _MIN_COMMENT_WIDTH <= stdout.width:
        grid = RichTable(title=title, title_justify="left")
        for header in headers:
            grid.add_column(header, justify="right" if header in _RIGHT_ALIGNED else "left",
                            overflow="ellipsis" if header == "comment" else "fold")
    else:
        # A narrow terminal (or a pipe's 80 columns): no comments, one-word headers, no vertical rules, and no cell
        # narrower than its text, so a name or a size is never broken mid-word; if even that is too wide, plain
        # aligned lines (longer than the terminal, but whole).
        headers = _NARROW_HEADERS
        widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
        if sum(widths) + 3 * (len(widths) - 1) > stdout.width:
            _print_stacked(title, rows)
            return
        rows = [row[:-1] for row in rows]
        grid = RichTable(title=title + " · details: dbsage schema OBJECT", title_justify="left",
                         box=box.SIMPLE_HEAD, pad_edge=False)
        for header, width, name in zip(headers, widths, _OVERVIEW_HEADERS, strict=False):
            grid.add_column(header, justify="right" if name in _RIGHT_ALIGNED else "left", no_wrap=True,
                            min_width=width)
    for row in rows:
        grid.add_row(*(Text(cell) for cell in row))  # Text: database strings are never read as rich markup
    stdout.print(grid)


_MIN_COMMENT_WIDTH = 16


def _fixed_width(rows: list[tuple[str, ...]]) -> int:
    """Columns the overview needs without wrapping anything but the comment, borders and padding included."""
    cells = [max([len(header), *(len(row[i]) for row in rows)]) for i, header in enumerate(_OVERVIEW_HEADERS[:-1])]
    return sum(cells) + 3 * len(_OVERVIEW_HEADERS) + 1


def _print_stacked(title: str, rows: list[tuple[str, ...]]) -> None:
    """Each object on a line of its own, its figures on the next: fits any terminal a name fits in."""
    stdout.print(title, markup=False)
    for name, kind, columns, rows_est, size, indexes, pk, comment in rows:
        details = f"{kind} · {columns} columns · {rows_est} rows (est.) · {size} · {indexes} indexes · PK {pk}"
        if comment:
            room = stdout.width - len(details) - 7
            details += f" · {comment if len(comment) <= room else comment[:max(room - 1, 0)] + '…'}" if room > 8 else ""
        stdout.print(name, markup=False, crop=False, soft_wrap=True)
        stdout.print(f"    {details}", markup=False, soft_wrap=True)


def _print_plain(title: str, rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(_OVERVIEW_HEADERS)]

    def line(cells: tuple[str, ...]) -> str:
        padded = zip(cells, widths, _OVERVIEW_HEADERS, strict=True)
        return "  ".join(c.rjust(w) if h in _RIGHT_ALIGNED else c.ljust(w) for c, w, h in padded).rstrip()

    out = [title, line(_OVERVIEW_HEADERS), "  ".join("─" * w for w in widths)]
    out += [line(r) for r in rows]
    sys.stdout.write("\n".join(out) + "\n")


def _add_row(grid: RichTable, *cells: str) -> None:
    grid.add_row(*(Text(cell) for cell in cells))  # database strings are data, never rich markup


def print_detail(table: Table) -> None:
    stdout.print(Text.assemble((table.qualified_name, "bold"), f" ({table.kind}) · rows ≈ "
                 f"{human_count(table.row_estimate)} · size {human_bytes(table.size_bytes)}"))
    if table.comment:
        stdout.print(Text(f"comment: {table.comment}"))
    _print_partitioning(table)
    if table.definition is not None:
        populated = "" if table.populated is None else (" (holds data)" if table.populated else
                                                        " (not populated: REFRESH MATERIALIZED VIEW before reading)")
        stdout.print(Text(f"query{populated}:\n  " + table.definition.strip().replace("\n", "\n  ")))
    cols = data_table("column", "type", "null", "default", "comment", title="columns", title_justify="left")
    for c in table.columns:
        nullable = "yes" if c.nullable else "not null"
        if c.presence is not None:
            nullable = f"{c.presence:.0%} present"
        _add_row(cols, c.name, c.type, nullable, c.default or "", c.comment or "")
    stdout.print(cols)
    if table.constraints:
        cons = data_table("constraint", "kind", "definition", title="constraints", title_justify="left")
        for con in table.constraints:
            _add_row(cons, con.name, con.kind, con.definition or ", ".join(con.columns))
        stdout.print(cons)
    if table.indexes:
        idx = data_table("index", "definition", "size", "scans", title="indexes", title_justify="left")
        for i in table.indexes:
            _add_row(idx, i.name + ("" if i.valid else " (INVALID)"), i.definition or ", ".join(i.columns),
                     human_bytes(i.size_bytes), "—" if i.scans is None else str(i.scans))
        stdout.print(idx)
    if table.triggers:
        trg = data_table("trigger", "when", "level", "function", "enabled", title="triggers", title_justify="left")
        for t in table.triggers:
            _add_row(trg, t.name, f"{t.timing} {' OR '.join(t.events)}", f"for each {t.level}", t.function,
                     "yes" if t.enabled else "DISABLED")
        stdout.print(trg)


def _print_partitioning(table: Table) -> None:
    if table.partition_of:
        stdout.print(Text(f"partition of {table.partition_of} {table.partition_bound or ''}".rstrip()))
    if not table.partition_key:
        return
    stdout.print(Text(f"partitioned by {table.partition_key} · {len(table.partitions)} partitions · rows and size "
                      "above are the totals of all partitions"))
    if table.partitions:
        parts = data_table("partition", "bound", "rows (est.)", "size", title="partitions", title_justify="left")
        for p in table.partitions:
            _add_row(parts, p.name + (" (partitioned)" if p.partitioned else ""), p.bound,
                     human_count(p.row_estimate), human_bytes(p.size_bytes))
        stdout.print(parts)


def print_table_summary(snapshot: SchemaSnapshot, console: Console = stdout) -> None:
    """One line per table with its size, counts and primary key (the demo's schema section)."""
    grid = RichTable(title=f"{snapshot.database} · {len(snapshot.tables)} tables", title_justify="left")
    for header in ("table", "rows (est.)", "size", "columns", "indexes", "FKs", "primary key"):
        grid.add_column(header, justify="left" if header in ("table", "primary key") else "right")
    for t in snapshot.tables:
        key = Text(", ".join(t.primary_key.columns)) if t.primary_key else Text("none", "red")
        grid.add_row(t.qualified_name.removeprefix("public."), human_count(t.row_estimate),
                     human_bytes(t.size_bytes), str(len(t.columns)), str(len(t.indexes)),
                     str(len(t.foreign_keys)), key)
    console.print(grid)
