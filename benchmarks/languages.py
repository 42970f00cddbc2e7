"""Facts and outlines per language on real checkouts: what share of files yield symbols, how many
imports resolve to repo files, and how fast.

    python benchmarks/languages.py CHECKOUT [CHECKOUT …] [--json PATH]

Each checkout is copied to a temp dir and documented with ``reactor generate --all`` (the
outline backend); the figures come from the reactor's own index and facts. The repos used for
the table in ``benchmarks/README.md`` are named there with their commits and licences.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from reactor.backends import DocRequest
from reactor.backends.outline import OutlineBackend
from reactor.facts import extract, language_of
from reactor.reactor import Reactor


def measure(checkout: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="reactor-lang-") as tmp:
        root = Path(tmp) / checkout.name
        shutil.copytree(checkout, root, ignore=shutil.ignore_patterns(".git", "DOCS", ".llmc"))
        started = time.perf_counter()
        with Reactor.open(root, watch=False) as reactor:
            outcomes = reactor.generate()
            generate_s = time.perf_counter() - started
            paths = sorted(o.path for o in outcomes if o.status == "generated")
            failed = [o for o in outcomes if o.status == "failed"]
            resolver = reactor.index.resolver
        db = sqlite3.connect(root / ".llmc/reactor.db")
        indexed = {p for (p,) in db.execute("SELECT path FROM files")}
        provided = {k for (k,) in db.execute("SELECT key FROM provides")}
        db.close()
        per_language: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for rel in paths:
            language = language_of(rel)
            if language is None:
                continue
            data = (root / rel).read_bytes()
            t0 = time.perf_counter()
            facts = extract(rel, data)
            t1 = time.perf_counter()
            OutlineBackend().generate(
                DocRequest(root, rel, "0" * 64, data.decode("utf-8", "replace"), None, None)
            )
            t2 = time.perf_counter()
            stats = per_language[language]
            stats["files"] += 1
            stats["facts_s"] += t1 - t0
            stats["outline_s"] += t2 - t0  # the outline extracts the facts again itself
            if facts is None:
                continue
            stats["with_symbols"] += bool(facts.symbols)
            if language == "python":
                specs = [[spec] for spec in facts.resolved]
            else:
                specs = [resolver.imports(rel, _only(facts, spec)) for spec in facts.imports]
            for keys in specs:
                stats["imports"] += 1
                stats["resolved"] += any(_resolves(key, indexed, provided) for key in keys)
    return {
        "repo": checkout.name,
        "generated": len(paths),
        "failed": len(failed),
        "generate_all_s": round(generate_s, 2),
        "languages": {
            lang: {
                "files": int(s["files"]),
                "with_symbols_pct": round(100 * s["with_symbols"] / s["files"], 1),
                "imports_resolved": f"{int(s['resolved'])}/{int(s['imports'])}",
                "facts_files_per_s": round(s["files"] / s["facts_s"]) if s["facts_s"] else None,
                "outline_files_per_s": round(s["files"] / s["outline_s"]),
            }
            for lang, s in per_language.items()
        },
    }


def _only(facts: Any, spec: str) -> Any:
    from dataclasses import replace

    return replace(facts, imports=[spec], resolved=[])


def _resolves(key: str, indexed: set[str], provided: set[str]) -> bool:
    from reactor.graph import module_candidates

    if key.startswith("path:"):
        return key[5:] in indexed
    if key.startswith(("go:", "java:", "inc:")):
        return key in provided
    return any(p in indexed for p in module_candidates(key))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs="+", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = [measure(c) for c in args.checkouts]
    print(
        "| repo | language | files | with ≥ 1 symbol | imports resolved | facts files/s |"
        " outline files/s | generate --all |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        for lang, s in sorted(r["languages"].items(), key=lambda kv: -kv[1]["files"]):
            print(
                f"| {r['repo']} | {lang} | {s['files']} | {s['with_symbols_pct']} % | "
                f"{s['imports_resolved']} | {s['facts_files_per_s']} | "
                f"{s['outline_files_per_s']} | {r['generate_all_s']} s ({r['generated']} docs, "
                f"{r['failed']} failed) |"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
