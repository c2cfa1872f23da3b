"""The layout's rules, checked on the source (DESIGN §2): drivers only under tools/engines; tools/ and knowledge/
import no LLM or front-end library and never agent/; front ends import no engine module and name no engine; no
import circles between dbsage's modules. Imports under `if TYPE_CHECKING:` are for the type checker only and are
left out; imports inside functions count (they run)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOP = ("agent", "tools", "knowledge", "prompts")
DRIVERS = {"psycopg", "psycopg_pool", "pymysql", "pymongo", "bson", "gridfs"}
FRONT_END_LIBRARIES = {"langchain", "langchain_core", "langchain_openai", "langgraph", "openai", "mcp", "mcp_types",
                       "typer", "click", "rich", "textual", "slack_bolt", "slack_sdk"}
ENGINE_NAMES = {"postgres", "mysql", "mongo"}
ENGINE_MODULES = tuple(f"dbsage.tools.engines.{name}" for name in ENGINE_NAMES)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["dbsage", *parts])


def sources() -> list[Path]:
    return sorted(p for top in TOP for p in (ROOT / top).rglob("*.py") if "__pycache__" not in p.parts)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    """Every node, except what sits under `if TYPE_CHECKING:`."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _type_checking(child):
            yield from (n for orelse in child.orelse for n in [orelse, *_walk(orelse)])
            continue
        yield child
        yield from _walk(child)


def imports(path: Path) -> set[str]:
    """The modules `path` imports (absolute names; `from pkg import sub` names pkg.sub when sub is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in _walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if _is_module(candidate) else base)
    return found


def _is_module(name: str) -> bool:
    if not name.startswith("dbsage."):
        return False
    path = ROOT.joinpath(*name.split(".")[1:])
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _top(name: str) -> str:
    return name.split(".")[0]


def _in(path: Path, *folders: str) -> bool:
    return path.relative_to(ROOT).as_posix().startswith(folders)


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return {module_name(p): imports(p) for p in sources()}


def test_drivers_are_imported_only_under_tools_engines() -> None:
    offenders = {module_name(p): sorted(m for m in imports(p) if _top(m) in DRIVERS)
                 for p in sources() if not _in(p, "tools/engines/")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_tools_and_knowledge_import_no_front_end_library_and_never_agent() -> None:
    offenders = {}
    for path in sources():
        if _in(path, "tools/", "knowledge/"):
            bad = sorted(m for m in imports(path) if _top(m) in FRONT_END_LIBRARIES or m.startswith("dbsage.agent"))
            if bad:
                offenders[module_name(path)] = bad
    assert offenders == {}


def test_front_ends_import_no_engine_module() -> None:
    offenders = {}
    for path in sources():
        if _in(path, "agent/"):
            bad = sorted(m for m in imports(path) if m.startswith(ENGINE_MODULES))
            if bad:
                offenders[module_name(path)] = bad
    assert offenders == {}, "front ends ask dbsage.tools.engines.registry.open_engine(target, needs=…) instead"


def test_front_ends_name_no_engine() -> None:
    """No code in agent/ compares with or passes an engine's name: what an engine can do is its registry line."""
    offenders = {}
    for path in sources():
        if _in(path, "agent/"):
            names = [f"line {n.lineno}: {n.value!r}" for n in _walk(ast.parse(path.read_text(encoding="utf-8")))
                     if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in ENGINE_NAMES]
            if names:
                offenders[module_name(path)] = names
    assert offenders == {}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in graph:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles(graph: dict[str, set[str]]) -> None:
    # A package's __init__ that re-exports its modules is the package's face, not a circle with them.
    edges = {m: {t for t in targets if not (m.startswith(t + ".") and _is_package(t))} for m, targets in graph.items()}
    assert _cycles(edges) == []


def _is_package(name: str) -> bool:
    return (ROOT.joinpath(*name.split(".")[1:]) / "__init__.py").is_file()


def test_the_checks_see_what_they_check(graph: dict[str, set[str]]) -> None:
    """The rules above would pass on an empty tree: make sure the scan finds the modules and their imports."""
    adapter = "dbsage.tools.engines.postgres.adapter"
    assert adapter in graph and "psycopg" in graph[adapter]
    assert "dbsage.agent.cli.app" in graph and "typer" in graph["dbsage.agent.cli.app"]
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
