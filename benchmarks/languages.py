"""Facts and outlines per language on real checkouts: what share of files yield symbols, how many
imports resolve to repo files, and how fast.

    python benchmarks/languages.py CHECKOUT [CHECKOUT …] [--json PATH] [--samples PATH]

Each checkout is copied to a temp dir and documented with ``reactor generate --all`` (the
outline backend); the figures come from the reactor's own index and facts, audited against
independent counts (:mod:`oracle`): the share of public top-level names listed, and of the
imports that name repo files, how many resolve. ``--samples`` writes 20 symbols and 20 edges per
language, drawn at random, and every miss, for a reader to check by hand. The repos used for
the table in ``benchmarks/README.md`` are named there with their commits and licences.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from oracle import DEFINITIONS_ONLY, InRepo, public_names, short_name

from reactor.backends import DocRequest
from reactor.backends.outline import OutlineBackend
from reactor.facts import extract, language_of
from reactor.reactor import Reactor


def measure(checkout: Path, samples: list[str] | None = None) -> dict[str, Any]:
    """Document a copy of ``checkout`` with the outline, then audit its facts per language
    against :mod:`oracle`: public top-level names listed, in-repo imports resolved; and draw
    20 symbols and 20 edges per language into ``samples`` for a reader to check by hand."""
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
            edges = _edges(reactor)
        db = sqlite3.connect(root / ".llmc/reactor.db")
        indexed = {p for (p,) in db.execute("SELECT path FROM files")}
        provided = {k for (k,) in db.execute("SELECT key FROM provides")}
        db.close()
        per_language: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        in_repo = InRepo(root, paths)
        drawn: dict[str, list[str]] = defaultdict(list)
        misses: dict[str, list[str]] = defaultdict(list)
        for rel in paths:
            data = (root / rel).read_bytes()
            language = language_of(rel, data)
            if language is None:
                continue
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
            if facts is None:
                continue
            stats["with_symbols"] += bool(facts.symbols)
            public = public_names(rel, language, data)
            if language in DEFINITIONS_ONLY:
                listed = {short_name(s.name) for s in facts.symbols}
            else:
                listed = {s.name for s in facts.top_level() if s.exported}
            listed |= {s.signature.split(" as ")[0] for s in facts.top_level() if " as " in s.name}
            stats["public"] += len(public)
            stats["public_listed"] += len(public & listed)
            misses[language] += [f"{rel}: {name}" for name in sorted(public - listed)]
            text = data.decode("utf-8", "replace")
            drawn[language] += [
                f"{rel}:{_line_of(text, s.signature, s.name)}: {s.visibility:9} {s.kind} "
                f"{s.parent + '.' if s.parent else ''}{s.name}"
                for s in facts.symbols
            ]
            for spec in facts.imports:
                if not in_repo.names_repo_file(rel, language, spec):
                    continue
                keys = (
                    _python_keys(rel, spec)
                    if language == "python"
                    else resolver.imports(rel, _only(facts, spec))
                )
                stats["in_repo_imports"] += 1
                stats["in_repo_resolved"] += any(_resolves(k, indexed, provided) for k in keys)
                if not any(_resolves(k, indexed, provided) for k in keys):
                    misses[language].append(f"{rel}: unresolved import {spec}")
    if samples is not None:
        pick = random.Random(0)
        for language in sorted(drawn):
            samples.append(f"## {checkout.name} {language}: 20 symbols")
            samples += pick.sample(drawn[language], min(20, len(drawn[language])))
            mine = [e for e in edges if language_of(e[0]) == language]
            samples.append(f"## {checkout.name} {language}: 20 edges (importer -> imported)")
            samples += [f"{a} -> {b}" for a, b in pick.sample(mine, min(20, len(mine)))]
            samples.append(f"## {checkout.name} {language}: misses")
            samples += misses[language][:60]
    return {
        "repo": checkout.name,
        "generated": len(paths),
        "failed": len(failed),
        "generate_all_s": round(generate_s, 2),
        "languages": {
            lang: {
                "files": int(s["files"]),
                "with_symbols_pct": round(100 * s["with_symbols"] / s["files"], 1),
                "public_listed": f"{int(s['public_listed'])}/{int(s['public'])}",
                "public_listed_pct": _pct(s["public_listed"], s["public"]),
                "in_repo_resolved": f"{int(s['in_repo_resolved'])}/{int(s['in_repo_imports'])}",
                "in_repo_resolved_pct": _pct(s["in_repo_resolved"], s["in_repo_imports"]),
                "facts_files_per_s": round(s["files"] / s["facts_s"]) if s["facts_s"] else None,
                "outline_files_per_s": round(s["files"] / s["outline_s"]),
            }
            for lang, s in per_language.items()
        },
    }


def _line_of(text: str, signature: str, name: str) -> str:
    """The source line a symbol is declared on, to check it by eye (its signature's start)."""
    head = signature.split("(")[0][:40].strip()
    at = text.find(head) if head else -1
    at = text.find(name) if at < 0 else at
    if at < 0:
        return "?"
    return f"{text.count(chr(10), 0, at) + 1} `{text[at:].split(chr(10), 1)[0].strip()[:90]}`"


def _pct(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _edges(reactor: Reactor) -> list[tuple[str, str]]:
    """Every (importer, imported) pair of the repo's graph, as docs show them."""
    from reactor.graph import neighbours

    pairs = []
    for (rel,) in reactor.index.read("SELECT path FROM files WHERE skip IS NULL"):
        imports, _ = neighbours(reactor.index, rel)
        pairs += [(rel, n.path) for n in imports]
    return pairs


def _python_keys(rel: str, spec: str) -> list[str]:
    """A written Python import (``.sibling``, ``pkg.mod``) as the absolute module it names."""
    from reactor.graph import module_names

    level = len(spec) - len(spec.lstrip("."))
    if not level:
        return [spec]
    package = module_names(rel)[0].split(".")
    if not rel.endswith("__init__.py"):
        package = package[:-1]
    base = package[: len(package) - level + 1]
    return [".".join(base + ([spec.lstrip(".")] if spec.lstrip(".") else []))]


def _only(facts: Any, spec: str) -> Any:
    from dataclasses import replace

    return replace(facts, imports=[spec], resolved=[], references=[])


def _resolves(key: str, indexed: set[str], provided: set[str]) -> bool:
    from reactor.graph import PROVIDED_PREFIXES, module_candidates

    if key.startswith("path:"):
        return key[5:] in indexed
    if key.startswith(PROVIDED_PREFIXES):
        return key in provided
    return any(p in indexed for p in module_candidates(key))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs="+", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--samples", type=Path, help="write the drawn symbols and edges here")
    args = parser.parse_args()
    samples: list[str] = []
    results = [measure(c, samples) for c in args.checkouts]
    print(
        "| repo | language | files | public top-level listed | in-repo imports resolved |"
        " facts files/s | outline files/s | generate --all |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        for lang, s in sorted(r["languages"].items(), key=lambda kv: -kv[1]["files"]):
            print(
                f"| {r['repo']} | {lang} | {s['files']} | {s['public_listed']} "
                f"({s['public_listed_pct']} %) | {s['in_repo_resolved']} "
                f"({s['in_repo_resolved_pct']} %) | {s['facts_files_per_s']} | "
                f"{s['outline_files_per_s']} | {r['generate_all_s']} s ({r['generated']} docs, "
                f"{r['failed']} failed) |"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    if args.samples:
        args.samples.write_text("\n".join(samples) + "\n")
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
    "rb": "require_relative 'm{j}'\nrequire 'pkg/m{k}'\n\nmodule P\n  # A thing.\n  class C{i}\n"
    + "".join(f"    # Adds {n}.\n    def f{n}(x)\n      x + {n}\n    end\n\n" for n in range(6))
    + "    private\n\n    # Runs.\n    def run; end\n  end\nend\n",
    "php": "<?php\nnamespace P;\n\nuse P\\M{j};\nrequire_once __DIR__ . '/m{k}.php';\n\n"
    + "/** A thing. */\nclass M{i}\n{{\n"
    + "".join(
        f"    /** Adds {n}. */\n    public function f{n}(int $x): int {{{{ return $x + {n}; }}}}\n\n"
        for n in range(6)
    )
    + "}}\n",
    "kt": "package p\n\nimport p.q.M{j}\n\n/** A thing. */\nclass M{i} {{\n"
    + "".join(f"    /** Adds {n}. */\n    fun f{n}(x: Int): Int = x + {n}\n\n" for n in range(6))
    + "}}\n\n/** Runs. */\nfun run{i}() {{}}\n",
    "cs": "using P.Q;\n\nnamespace P\n{{\n    /// <summary>A thing.</summary>\n    public class M{i}\n    {{\n"
    + "".join(
        f"        /// <summary>Adds {n}.</summary>\n        public int F{n}(int x) => x + {n};\n\n"
        for n in range(6)
    )
    + "        private M{j} next;\n    }}\n}}\n",
    "swift": "import Foundation\n\n/// A thing.\npublic struct M{i} {{\n"
    + "".join(
        f"    /// Adds {n}.\n    public func f{n}(_ x: Int) -> Int {{{{ x + {n} }}}}\n\n"
        for n in range(6)
    )
    + "    var next: M{j}? = nil\n}}\n",
    "scala": "package p\n\nimport p.q.M{j}\n\n/** A thing. */\nclass M{i} {{\n"
    + "".join(f"  /** Adds {n}. */\n  def f{n}(x: Int): Int = x + {n}\n\n" for n in range(6))
    + "}}\n\n/** Its companion. */\nobject M{i} {{\n  def apply(): M{i} = new M{i}\n}}\n",
    "sh": "#!/bin/sh\n# Script {i}.\n\n. ./m{j}.sh\nsource pkg/m{k}.sh\n\n"
    + "".join(
        f"# Adds {n}.\nf{{i}}_{n}() {{{{\n  echo $(( $1 + {n} ))\n}}}}\n\n" for n in range(6)
    ),
    "lua": '--- Module {i}.\n\nlocal m = require("pkg.m{j}")\nlocal M = {{}}\n\n'
    + "".join(f"--- Adds {n}.\nfunction M.f{n}(x) return x + {n} end\n\n" for n in range(6))
    + "local function run() end\nreturn M\n",
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
