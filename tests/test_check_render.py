"""How a checkup reads in a terminal: evidence in words and numbers (never a Python list or dict), and the same
finding on many objects shown once, listing them, with their fixes as one script."""

from __future__ import annotations

import io

from rich.console import Console

from dbsage.agent.cli.render.check import GROUP_AT, print_report
from dbsage.tools.checks.model import CheckReport, Finding


def _finding(table: str, **evidence: object) -> Finding:
    return Finding(id="schema.fk_without_index", family="schema", severity="medium",
                   title=f"foreign key on {table} has no index", object=table, evidence=evidence or {"table": table},
                   fix=f"CREATE INDEX CONCURRENTLY ON {table} (a);")


def _printed(report: CheckReport) -> str:
    buffer = io.StringIO()
    print_report(report, Console(file=buffer, width=200, color_system=None))
    return buffer.getvalue()


def test_evidence_is_words_and_numbers() -> None:
    text = _printed(CheckReport(engine="postgres", target="t", database="d", findings=[
        _finding("public.a", columns=["a", "b"], bytes=8192, covering=True, ratio=0.12345, extra={"k": 1})]))
    assert "columns=a, b; bytes=8,192; covering=yes; ratio=0.1235; extra=k 1" in text
    assert "[" not in text.split("evidence:")[1].splitlines()[0]


def test_the_same_finding_on_many_tables_is_one_entry_with_one_script() -> None:
    tables = [f"public.p{n}" for n in range(GROUP_AT + 9)]
    text = _printed(CheckReport(engine="postgres", target="t", database="d", findings=[_finding(t) for t in tables]))
    assert text.count("schema.fk_without_index") == 1 and f"{len(tables)} findings of schema.fk_without_index" in text
    script = text.split("fixes:")[1]
    assert [f"CREATE INDEX CONCURRENTLY ON {t} (a);" in script for t in tables] == [True] * len(tables)
    few = _printed(CheckReport(engine="postgres", target="t", database="d",
                               findings=[_finding(t) for t in tables[:GROUP_AT - 1]]))
    assert few.count("schema.fk_without_index") == GROUP_AT - 1  # a few are shown one by one
