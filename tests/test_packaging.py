"""What users install: `dbsage --help` starts without loading a driver or an LLM library, and the built wheel,
installed in a fresh virtualenv, imports every module and carries every data file (prompts, SQL, knowledge docs,
proposals migrations)."""

from __future__ import annotations

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


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv holding the wheel built from this tree; dependencies come from the test environment's
    site-packages, added as a plain path (so the editable install there cannot shadow the wheel)."""
    work = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                            "-q", "-w", str(work / "dist"), str(ROOT)], capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stderr[-3000:]
    wheel = next((work / "dist").glob("dbsage-*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                              "--no-index", "-q", str(wheel)], capture_output=True, text=True, timeout=120)
    assert install.returncode == 0, install.stderr[-3000:]
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
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
