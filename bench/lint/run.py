"""Lint bench: dbsage and squawk on the same corpus, in one run.

    .venv/bin/python bench/lint/run.py [--dsn postgresql://postgres@127.0.0.1:5432/postgres] [--json]

Each case in corpus/manifest.toml is a migration labelled dangerous or safe (with the rule family a linter should
name). A tool "flags" a file when it reports anything it would fail CI on: dbsage at its default --fail-on
(warning), squawk any violation (its exit code). Recall = dangerous files flagged; false alarms = safe files flagged.
squawk is also shown with its two rules that fire on nearly every file turned off (prefer-robust-stmts,
require-statement-timeout). Cases marked live=true get dbsage's live context from a fixture database (fixture.sql,
loaded into `dbsage_lint_bench` on the given server); squawk has no live mode and sees the same files.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
NOISY = ("prefer-robust-stmts", "require-statement-timeout")
# squawk rule → our family, to count "named the right family" for squawk too
SQUAWK_FAMILY = {
    "require-concurrent-index-creation": "indexes", "require-concurrent-index-deletion": "indexes",
    "require-concurrent-reindex": "indexes", "disallowed-unique-constraint": "indexes",
    "constraint-missing-not-valid": "constraints", "adding-foreign-key-constraint": "constraints",
    "adding-not-nullable-field": "constraints", "adding-required-field": "constraints",
    "ban-alter-domain-with-add-constraint": "constraints",
    "adding-field-with-default": "rewrites", "changing-column-type": "rewrites", "prefer-repack": "rewrites",
    "adding-serial-primary-key-field": "rewrites",
    "renaming-column": "breaking", "renaming-table": "breaking", "ban-drop-column": "breaking",
    "ban-drop-table": "breaking", "ban-drop-database": "breaking", "ban-truncate-cascade": "breaking",
    "ban-concurrent-index-creation-in-transaction": "transactions", "require-lock-timeout": "transactions",
    "require-timeout-settings": "transactions", "transaction-nesting": "transactions",
    "ban-uncommitted-transaction": "transactions", "require-concurrent-partition-detach": "locking",
}


def load_fixture(dsn: str) -> str:
    """(Re)load fixture.sql into database dbsage_lint_bench on `dsn`'s server; return that database's DSN."""
    import psycopg  # bench setup writes the fixture; dbsage itself reads it read-only through its engine

    with psycopg.connect(dsn, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'dbsage_lint_bench'").fetchone():
            conn.execute("CREATE DATABASE dbsage_lint_bench")
    bench = urlsplit(dsn)._replace(path="/dbsage_lint_bench").geturl()
    with psycopg.connect(bench, autocommit=True) as conn:
        done = conn.execute("SELECT to_regclass('public.tags') IS NOT NULL AND "
                            "(SELECT reltuples FROM pg_class WHERE relname = 'orders') >= 1000000").fetchone()
        if not (done and done[0]):
            conn.execute((HERE / "fixture.sql").read_text())  # type: ignore[arg-type]
    return bench


def run_dbsage(case: dict, live_dsn: str | None) -> list[dict]:
    """dbsage's findings at or above warning, through the real CLI (what CI runs)."""
    cmd = [str(Path(sys.executable).parent / "dbsage"), "lint", str(CORPUS / case["file"]), "--format", "json",
           "--dialect", case["dialect"]]
    if case.get("version"):
        cmd += ["--server-version", case["version"]]
    if case.get("live") and live_dsn:
        cmd += ["--db", live_dsn]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if out.returncode not in (0, 4):
        raise SystemExit(f"dbsage failed on {case['file']} (exit {out.returncode}): {out.stderr.strip()}")
    findings = json.loads(out.stdout)["findings"]
    return [f for f in findings if f["severity"] in ("warning", "error")]


def run_squawk(case: dict) -> list[str]:
    squawk = shutil.which("squawk", path=str(Path(sys.executable).parent)) or shutil.which("squawk")
    if squawk is None:
        raise SystemExit("squawk is not installed: pip install 'dbsage[bench]' (squawk-cli)")
    cmd = [squawk, "--reporter", "json", str(CORPUS / case["file"])]
    if case["dialect"] == "postgres" and case.get("version"):
        cmd += ["--pg-version", case["version"] if "." in case["version"] else case["version"] + ".0"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    try:
        return [v.get("rule_name") or "syntax-error" for v in json.loads(out.stdout or "[]")]
    except json.JSONDecodeError:
        return ["syntax-error"] if out.returncode else []


def score(rows: list[dict], flagged_key: str, family_key: str | None = None) -> dict:
    dangerous = [r for r in rows if r["verdict"] == "dangerous"]
    safe = [r for r in rows if r["verdict"] == "safe"]
    result = {"recall": sum(bool(r[flagged_key]) for r in dangerous), "dangerous": len(dangerous),
              "false_alarms": sum(bool(r[flagged_key]) for r in safe), "safe": len(safe)}
    if family_key:
        result["family_recall"] = sum(r["family"] in r[family_key] for r in dangerous)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="PostgreSQL server for the live fixture (superuser: it creates dbsage_lint_bench)")
    parser.add_argument("--json", action="store_true", help="print the per-case table as JSON")
    parser.add_argument("--no-live", action="store_true", help="dbsage without --db too (what live context adds)")
    args = parser.parse_args()
    cases = tomllib.loads((CORPUS / "manifest.toml").read_text())["case"]
    live_dsn = None if args.no_live else load_fixture(args.dsn)
    rows = []
    for case in cases:
        ours = run_dbsage(case, live_dsn)
        theirs = run_squawk(case)
        tuned = [r for r in theirs if r not in NOISY]
        rows.append({**case, "dbsage": [f["rule"] for f in ours], "dbsage_families": {f["family"] for f in ours},
                     "squawk": theirs, "squawk_tuned": tuned,
                     "squawk_families": {SQUAWK_FAMILY.get(r, "?") for r in tuned}})
    report(rows, args.json)


def report(rows: list[dict], as_json: bool) -> None:
    if as_json:
        print(json.dumps([{k: sorted(v) if isinstance(v, set) else v for k, v in r.items()} for r in rows], indent=1))
        return
    print(f"{len(rows)} migrations: {sum(r['verdict'] == 'dangerous' for r in rows)} dangerous, "
          f"{sum(r['verdict'] == 'safe' for r in rows)} safe; {sum(bool(r.get('live')) for r in rows)} judged live\n")
    print(f"{'subset':<12}{'tool':<38}{'recall (dangerous flagged)':<30}{'right family':<14}"
          f"{'false alarms (safe)':<20}")
    tools = [("dbsage", "dbsage", "dbsage_families"), ("squawk (defaults)", "squawk", None),
             ("squawk (-e robust,statement-timeout)", "squawk_tuned", "squawk_families")]
    for subset, dialect in (("PostgreSQL", "postgres"), ("MySQL", "mysql"), ("all", None)):
        part = [r for r in rows if dialect is None or r["dialect"] == dialect]
        for name, key, fam in tools:
            s = score(part, key, fam)
            family = f"{s['family_recall']}/{s['dangerous']}" if fam else "-"
            recall = f"{s['recall']}/{s['dangerous']} ({100 * s['recall'] / max(s['dangerous'], 1):.1f}%)"
            alarms = f"{s['false_alarms']}/{s['safe']} ({100 * s['false_alarms'] / max(s['safe'], 1):.1f}%)"
            print(f"{subset:<12}{name:<38}{recall:<30}{family:<14}{alarms:<20}")
        print()
    misses = [r for r in rows if (r["verdict"] == "dangerous") != bool(r["dbsage"])]
    if misses:
        print("dbsage disagrees with the label on:")
        for r in misses:
            print(f"  {r['verdict']:<9} {r['file']:<50} {', '.join(r['dbsage']) or '(nothing)'}")


if __name__ == "__main__":
    main()
