"""Knowledge-base benchmark: recall@5 (dense only, lexical only, fused), warm latency, a cold CLI call, build time.

    .venv/bin/python bench/kb/run.py [--questions FILE] [--json OUT]

A question counts as answered when one of the top five passages contains every fact listed for it (case-insensitive).
A fact that no passage of the corpus contains makes the question invalid: it is reported, not counted.
The index is built from scratch in a temporary state dir, so the build time is a first use's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load_questions(path: Path) -> list[tuple[str, list[str]]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        question, facts = line.split("|", 1)
        out.append((question.strip(), [f.strip().lower() for f in facts.split(";") if f.strip()]))
    return out


def answered(texts: list[str], facts: list[str]) -> bool:
    return any(all(f in t.lower() for f in facts) for t in texts)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=HERE / "questions.txt")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="dbsage-kb-bench-"))
    os.environ["DBSAGE_STATE_DIR"] = str(state)

    from dbsage.knowledge import KnowledgeBase

    kb = KnowledgeBase()
    started = time.perf_counter()
    build = kb.index()
    build_seconds = time.perf_counter() - started
    passages = [p.text.lower() for d in kb.documents() for p in d.passages]

    questions = load_questions(args.questions)
    valid = [(q, f) for q, f in questions if any(all(x in p for x in f) for p in passages)]
    invalid = [q for q, f in questions if (q, f) not in valid]
    figures: dict[str, object] = {"documents": build["documents"], "passages": build["passages"],
                                  "questions": len(questions), "valid_questions": len(valid),
                                  "invalid_questions": invalid, "index_build_seconds": round(build_seconds, 2)}
    misses: dict[str, list[str]] = {}
    for mode in ("dense", "lexical", "fused"):
        hits = 0
        misses[mode] = []
        for question, facts in valid:
            texts = [h.text for h in kb.search(question, limit=5, mode=mode).results]
            if answered(texts, facts):
                hits += 1
            else:
                misses[mode].append(question)
        figures[f"recall@5_{mode}"] = round(hits / len(valid), 3)
    figures["fused_misses"] = misses["fused"]

    latencies = []
    for _ in range(3):
        for question, _facts in valid:
            t = time.perf_counter()
            kb.search(question, limit=5)
            latencies.append((time.perf_counter() - t) * 1000)
    figures["warm_ms_p50"] = round(statistics.median(latencies), 2)
    figures["warm_ms_p95"] = round(percentile(latencies, 0.95), 2)

    dbsage = str(Path(sys.executable).parent / "dbsage")
    cold = []
    for question, _facts in valid[:5]:
        t = time.perf_counter()
        subprocess.run([dbsage, "kb", "search", question, "--format", "json"], capture_output=True, check=True)
        cold.append(time.perf_counter() - t)
    figures["cold_cli_seconds_median"] = round(statistics.median(cold), 2)

    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
