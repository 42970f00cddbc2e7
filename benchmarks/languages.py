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
            resolver = reactor.resolver
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
                DocRequest(root, rel, "0" * 64, data.decode("utf-8", "replace"), None, None, facts)
            )
            t2 = time.perf_counter()
            stats = per_language[language]
            stats["files"] += 1
            stats["facts_s"] += t1 - t0
            stats["outline_s"] += t2 - t1  # from the stored facts: no second parse
            stats["parse_and_outline_s"] += t2 - t0  # what it cost when it parsed again
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
                "parse_and_outline_files_per_s": round(s["files"] / s["parse_and_outline_s"]),
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


#: One generated source file per language, ~60 lines: documented functions, a type with
#: methods, and imports of two siblings (``{i}`` is the file number, ``{j}``/``{k}`` siblings).
TEMPLATES = {
    "py": '"""Module {i}."""\nfrom .m{j} import f{j}\nimport pkg.m{k}\n\n'
    + "".join(
        f'def f{{i}}_{n}(x: int) -> int:\n    """Adds {n}."""\n    return x + {n}\n\n\n'
        for n in range(6)
    )
    + 'class C{i}:\n    """A thing."""\n\n    def run(self) -> None:\n        """Runs."""\n',
    "ts": 'import {{f{j}_0}} from "./m{j}.js";\nimport * as k from "./m{k}";\n\n'
    + "".join(
        f"/** Adds {n}. */\nexport function f{{i}}_{n}(x: number): number {{{{ return x + {n}; }}}}\n\n"
        for n in range(6)
    )
    + "/** A thing. */\nexport class C{i} {{\n  /** Runs. */\n  run(): void {{}}\n}}\n",
    "go": 'package p\n\nimport (\n\t"fmt"\n\t"example.com/m/q"\n)\n\n'
    + "".join(
        f"// F{{i}}_{n} adds {n}.\nfunc F{{i}}_{n}(x int) int {{{{ return x + {n} }}}}\n\n"
        for n in range(6)
    )
    + "// C{i} is a thing.\ntype C{i} struct{{ n int }}\n\n// Run runs.\nfunc (c *C{i}) Run() {{ fmt.Println(q.X) }}\n",
    "rs": "use crate::m{j}::f;\nmod m{k};\n\n"
    + "".join(
        f"/// Adds {n}.\npub fn f{{i}}_{n}(x: i32) -> i32 {{{{ x + {n} }}}}\n\n" for n in range(6)
    )
    + "/// A thing.\npub struct C{i} {{ n: i32 }}\n\nimpl C{i} {{\n    /// Runs.\n    pub fn run(&self) {{}}\n}}\n",
    "java": "package p;\n\nimport p.q.M{j};\nimport java.util.List;\n\n/** A thing. */\npublic class M{i} {{\n"
    + "".join(
        f"  /** Adds {n}. */\n  public int f{n}(int x) {{{{ return x + {n}; }}}}\n\n"
        for n in range(6)
    )
    + "}}\n",
    "c": '#include "m{j}.h"\n#include <stdio.h>\n\n'
    + "".join(
        f"/** Adds {n}. */\nint f{{i}}_{n}(int x) {{{{ return x + {n}; }}}}\n\n" for n in range(6)
    )
    + "/** A thing. */\nstruct c{i} {{ int n; }};\n",
    "cpp": '#include "m{j}.hpp"\n#include <vector>\n\nnamespace p {{\n'
    + "".join(
        f"/// Adds {n}.\nint f{{i}}_{n}(int x) {{{{ return x + {n}; }}}}\n\n" for n in range(6)
    )
    + "/// A thing.\nclass C{i} {{\n public:\n  /// Runs.\n  void run();\n}};\n}}\n",
}


def bench_facts(tmp: Path, files: int) -> dict[str, Any]:
    """Per language, on ``files`` generated files: facts and outline files/s, and a refresh of
    a tree whose every file changed (read, hash, facts, store) in files/s, Python's the
    baseline of the first release."""
    from reactor.config import DocgenConfig
    from reactor.facts.resolve import Resolver
    from reactor.index import FileIndex
    from reactor.policy import SourcePolicy
    from reactor.scan import Scan

    out: dict[str, Any] = {}
    for ext, template in TEMPLATES.items():
        root = tmp / f"facts-{ext}"
        rels = [f"pkg/m{i}.{ext}" for i in range(files)]
        sources = [
            template.format(i=i, j=(i + 1) % files, k=(i + 2) % files).encode()
            for i in range(files)
        ]
        (root / "pkg").mkdir(parents=True)
        for rel, data in zip(rels, sources, strict=True):
            (root / rel).write_bytes(data)
        t0 = time.perf_counter()
        facts = [extract(rel, data) for rel, data in zip(rels, sources, strict=True)]
        t1 = time.perf_counter()
        backend = OutlineBackend()
        for rel, data, fact in zip(rels, sources, facts, strict=True):
            backend.generate(DocRequest(root, rel, "0" * 64, data.decode(), None, None, fact))
        t2 = time.perf_counter()
        index = FileIndex.for_repo(root)
        policy = SourcePolicy(root, DocgenConfig())
        resolver = Resolver(root)
        Scan(index, policy, resolver).run()
        for rel, data in zip(rels, sources, strict=True):
            (root / rel).write_bytes(data + b"\n")  # every file changed
        t3 = time.perf_counter()
        stats = Scan(index, policy, resolver).run()
        t4 = time.perf_counter()
        index.close()
        assert stats.changed == files and all(f is not None and f.symbols for f in facts)
        out[ext] = {
            "facts_files_per_s": round(files / (t1 - t0)),
            "outline_files_per_s": round(files / (t2 - t1)),
            "changed_refresh_files_per_s": round(files / (t4 - t3)),
        }
        shutil.rmtree(root)
    return {"files": files, "languages": out}


def facts_rows(results: dict[str, Any]) -> list[str]:
    f = results["facts"]
    base = f["languages"]["py"]["changed_refresh_files_per_s"]
    return [
        f"| facts {ext} ({f['files']} generated files) | facts / outline / changed-tree refresh "
        f"files/s | {s['facts_files_per_s']} / {s['outline_files_per_s']} / "
        f"{s['changed_refresh_files_per_s']} | {base} (Python refresh) | "
        f"{round(s['changed_refresh_files_per_s'] / base, 2)}× |"
        for ext, s in f["languages"].items()
    ]
