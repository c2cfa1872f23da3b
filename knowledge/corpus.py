"""Documents and their passages: reads knowledge/docs/<topic>/<id>.md and a team's own folders.

A document is markdown with a small front matter (id, title, engines, tags, min_version, see_also; see the format
note in knowledge/__init__.py). A passage is one part of it: the summary under the `# ` title, then each `## `
section, so a search result points at the part that answers. Team documents may lack front matter: their id is the
file name, their title the first heading, their engines `any`. Their ids are namespaced by the folder they come from
(`runbooks/rotate-replica`) so that they never shadow ours.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from dbsage.tools.errors import ConfigError, UsageError

ENGINES = ("postgres", "mysql", "mongodb")
_ENGINE_ALIASES = {
    "postgres": "postgres", "postgresql": "postgres", "pg": "postgres",
    "mysql": "mysql", "mariadb": "mysql",
    "mongodb": "mongodb", "mongo": "mongodb",
}
BUILTIN_DIR = Path(__file__).resolve().parent / "docs"


def normalize_engine(name: str) -> str:
    """The canonical engine name for a user's spelling; a UsageError naming the accepted ones otherwise."""
    engine = _ENGINE_ALIASES.get(name.strip().lower())
    if engine is None:
        raise UsageError(f"unknown engine {name!r}", "use one of postgres, mysql, mongodb")
    return engine


@dataclass(frozen=True)
class Passage:
    pid: str            # "<doc id>#<n>", n counts from 0 (the summary)
    doc_id: str
    title: str
    section: str
    engines: tuple[str, ...]
    tags: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    engines: tuple[str, ...]
    tags: tuple[str, ...]
    path: Path
    body: str
    digest: str
    min_version: str | None = None
    see_also: tuple[str, ...] = ()
    source: str = "dbsage"     # "dbsage" for ours, the namespace for a team's folder
    passages: tuple[Passage, ...] = field(default=(), compare=False)

    def applies_to(self, engine: str | None) -> bool:
        return engine is None or engine in self.engines or "any" in self.engines


def _scalar(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse_front_matter(text: str) -> tuple[dict[str, str | list[str]], str]:
    """(fields, body). Understands the subset we agreed on: `key: value`, `key: [a, b]`, and `key:` + `  - item`."""
    if not text.startswith("---"):
        return {}, text
    end = re.search(r"^---\s*$", text[3:], flags=re.MULTILINE)
    if end is None:
        return {}, text
    head, body = text[3:3 + end.start()], text[3 + end.end():]
    fields: dict[str, str | list[str]] = {}
    current: str | None = None
    for raw in head.splitlines():
        line = re.sub(r"\s+#\s.*$", "", raw).rstrip()   # a comment after the value; URLs keep their '#anchor'
        if not line.strip():
            continue
        item = re.match(r"^\s+-\s*(.*)$", line)
        if item and current is not None:
            listed = fields.setdefault(current, [])
            if isinstance(listed, list):
                listed.append(_scalar(item[1]))
            continue
        pair = re.match(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$", line)
        if not pair:
            continue
        current, value = pair[1], pair[2].strip()
        if value.startswith("[") and value.endswith("]"):
            fields[current] = [_scalar(v) for v in value[1:-1].split(",") if v.strip()]
        elif value:
            fields[current] = _scalar(value)
        else:
            fields[current] = []
    return fields, body.lstrip("\n")


def _as_list(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list) else (value,)


def split_sections(body: str, title: str) -> list[tuple[str, str]]:
    """(section heading, text) pairs: "Summary" for what precedes the first `## `, then each `## ` section.

    Headings inside fenced code blocks (a `## ` in a shell comment) are text, not sections."""
    sections: list[tuple[str, list[str]]] = [("Summary", [])]
    fenced = False
    for line in body.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            sections.append((line[3:].strip(), []))
        elif not fenced and line.startswith("# ") and not sections[-1][1] and len(sections) == 1:
            continue  # the document's own title line
        else:
            sections[-1][1].append(line)
    out = [(name, "\n".join(lines).strip()) for name, lines in sections]
    return [(name, text) for name, text in out if text]


def _first_heading(body: str) -> str | None:
    match = re.search(r"^#\s+(.+)$", body, flags=re.MULTILINE)
    return match[1].strip() if match else None


def load_document(path: Path, namespace: str | None = None) -> Document:
    """One document; `namespace` prefixes the id of a team's document."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read knowledge document {path}: {exc}", "fix the file or move it aside") from exc
    fields, body = parse_front_matter(text)
    raw_id = fields.get("id")
    doc_id = raw_id if isinstance(raw_id, str) and raw_id else path.stem
    if namespace:
        doc_id = f"{namespace}/{doc_id}"
    raw_title = fields.get("title")
    title = raw_title if isinstance(raw_title, str) and raw_title else (_first_heading(body) or path.stem)
    engines = tuple(_ENGINE_ALIASES.get(e.lower(), e.lower()) for e in _as_list(fields.get("engines"))) or ("any",)
    tags = _as_list(fields.get("tags"))
    min_version = fields.get("min_version")
    passages = tuple(
        Passage(f"{doc_id}#{n}", doc_id, title, name, engines, tags, section_text)
        for n, (name, section_text) in enumerate(split_sections(body, title))
    )
    return Document(
        id=doc_id, title=title, engines=engines, tags=tags, path=path, body=body,
        digest=hashlib.sha256(f"{doc_id}\0{text}".encode()).hexdigest(),
        min_version=min_version if isinstance(min_version, str) else None,
        see_also=_as_list(fields.get("see_also")), source=namespace or "dbsage", passages=passages,
    )


def load_folder(folder: Path, namespace: str | None = None) -> list[Document]:
    """Every *.md under `folder` (recursively), in a stable order."""
    if not folder.is_dir():
        raise ConfigError(f"knowledge folder {folder} does not exist",
                          "fix [knowledge] paths in dbsage.toml or the --docs option")
    return [load_document(path, namespace) for path in sorted(folder.rglob("*.md")) if path.name != "README.md"]


def team_folders(extra: list[Path] | None = None) -> list[Path]:
    """Folders of a team's own documents: `[knowledge] paths` in dbsage.toml (relative to that file), then --docs."""
    from dbsage.tools.targets import load_config

    config, path = load_config()
    section = config.get("knowledge", {})
    paths = section.get("paths", []) if isinstance(section, dict) else []
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise ConfigError(f"[knowledge] paths in {path} must be a list of folder names",
                          'write it as [knowledge] then paths = ["docs/runbooks"]')
    base = path.parent if path is not None else Path.cwd()
    folders = [(base / p).resolve() for p in paths]
    folders += [p.resolve() for p in extra or []]
    return list(dict.fromkeys(folders))


def load_corpus(builtin: Path | None = BUILTIN_DIR, team: list[Path] | None = None) -> list[Document]:
    """Our documents and a team's, ids unique (a duplicate is a ConfigError naming both files)."""
    docs = load_folder(builtin) if builtin is not None and builtin.is_dir() else []
    for folder in team or []:
        docs += load_folder(folder, namespace=folder.name)
    seen: dict[str, Path] = {}
    for doc in docs:
        if doc.id in seen:
            raise ConfigError(f"knowledge id {doc.id!r} is used by both {seen[doc.id]} and {doc.path}",
                              "give one of them another id (front matter `id:` or the file name)")
        seen[doc.id] = doc.path
    return docs
