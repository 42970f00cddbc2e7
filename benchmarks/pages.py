"""Pages (issue 30): coverage, freshness and cost, on real checkouts and a generated 10k-file tree.

    python benchmarks/pages.py CHECKOUT [CHECKOUT …] [--files N] [--mmdc PATH] [--json PATH]

Each checkout (a tree extracted from a public repository; see ``benchmarks/README.md`` for the
ones used and their commits) is copied to a temp dir and run by ticks with the outline, as
``reactor watch`` runs it, until nothing is due. Then, per checkout:

* pages written / source directories (every directory holding a source, the root included);
* a public-signature change — a new public function appended to the most depended-on file —
  and the ticks until every page is fresh again, with how many of them wrote a page;
* a body-only edit (a comment appended to that file) and the pages it rewrote (bytes compared);
* with ``--mmdc`` (``@mermaid-js/mermaid-cli``), every Mermaid diagram of every page rendered:
  the parse errors counted.

The generated tree (``--files``, default 10,000 Python modules in 500 packages three levels
deep, each importing two modules of its own package and one of a core of 20) is documented by
``reactor generate``'s path, timed in two parts: every file doc (pages held back), then every
page of the converged tree.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from reactor.config import DocgenConfig
from reactor.graph import neighbours
from reactor.pagestates import source_dirs
from reactor.reactor import Reactor

DOCS = "DOCS/REPODOCS"
#: A parameter added first to a public function's declaration, by extension (a trailing comma
#: is valid in each of these languages).
DECLARATION = {
    ".py": (r"\bdef {name}\(", "def {name}(reactor_bench=None, "),
    ".go": (r"\bfunc {name}\(", "func {name}(reactorBench int, "),
    ".ts": (r"\bfunction {name}\(", "function {name}(reactorBench?: number, "),
    ".tsx": (r"\bfunction {name}\(", "function {name}(reactorBench?: number, "),
    ".rs": (r"\bfn {name}\(", "fn {name}(reactor_bench: i32, "),
}
COMMENT = {".py": "# reactor bench\n"}


def settle(reactor: Reactor, limit: int = 100_000) -> list[str]:
    """Tick until nothing is due; the status of every tick that did work."""
    done = []
    for _ in range(limit):
        result = reactor.tick()
        if result.work_done:
            done.append(result.status)
            continue
        due = reactor.seconds_until_due()
        if due is None or due > 5:
            return done
        time.sleep(min(due, 0.05))  # a due time (a settling change): as the host loop waits
    raise RuntimeError("never settled")


def pages_on_disk(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root / DOCS).as_posix(): p.read_bytes()
        for p in (root / DOCS).rglob("README.md")
    }


def measure_checkout(checkout: Path, mmdc: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="reactor-pages-") as tmp:
        root = Path(tmp) / checkout.name
        shutil.copytree(checkout, root, ignore=shutil.ignore_patterns(".git", "DOCS", ".llmc"))
        (root / ".git").mkdir()
        config = DocgenConfig().replace(idle_after_seconds=0.0, settle_seconds=0.05)
        with Reactor.open(root, config=config, watch=False) as reactor:
            settle(reactor)
            documentable = [r.path for r in reactor.index.all_rows() if r.skip is None]
            dirs = source_dirs(documentable)
            pages = pages_on_disk(root)
            status = reactor.status().pages
            assert status is not None
            target = _change_signature(reactor, root, documentable)
            suffix = Path(target).suffix
            path = root / target
            reactor.notify([target])
            ticks = settle(reactor)
            after_signature = reactor.status().pages
            before = pages_on_disk(root)
            path.write_text(path.read_text() + COMMENT.get(suffix, "// reactor bench\n"))
            reactor.notify([target])
            body_ticks = settle(reactor)
            rewritten = [p for p, data in pages_on_disk(root).items() if before.get(p) != data]
        charts = [
            chart
            for data in pages.values()
            for chart in re.findall(r"```mermaid\n(.*?)```", data.decode(), re.S)
        ]
        errors = _render(charts, Path(tmp)) if mmdc else None
        return {
            "repo": checkout.name,
            "sources": len(documentable),
            "source_dirs": len(dirs),
            "pages": len(pages),
            "pages_fresh": len(status.fresh),
            "signature_change": {
                "file": target,
                "ticks": len(ticks),
                "page_ticks": ticks.count("page"),
                "pages_fresh_after": after_signature is not None
                and not (after_signature.stale or after_signature.outdated),
            },
            "body_edit": {"ticks": len(body_ticks), "pages_rewritten": len(rewritten)},
            "mermaid": {"diagrams": len(charts), "parse_errors": errors},
        }


def _change_signature(reactor: Reactor, root: Path, paths: list[str]) -> str:
    """Add a parameter to a public function of the most depended-on file that has one."""
    ranked = sorted(
        (p for p in paths if Path(p).suffix in DECLARATION),
        key=lambda p: (-len(neighbours(reactor.index, p)[1]), p),
    )
    for rel in ranked:
        facts = reactor.index.facts(rel)
        names = (
            [s.name for s in facts.top_level() if s.kind == "function" and s.exported]
            if facts
            else []
        )
        pattern, replacement = DECLARATION[Path(rel).suffix]
        text = (root / rel).read_text()
        for name in names:
            changed, n = re.subn(
                pattern.format(name=re.escape(name)), replacement.format(name=name), text, count=1
            )
            if n:
                (root / rel).write_text(changed)
                return rel
    raise RuntimeError("no public function to change")


MMDC: list[str] = []


def _render(charts: list[str], tmp: Path) -> int:
    """Render each chart with the Mermaid CLI; the number that failed to parse."""
    errors = 0
    for i, chart in enumerate(charts):
        source, out = tmp / f"c{i}.mmd", tmp / f"c{i}.svg"
        source.write_text(chart)
        done = subprocess.run(
            [*MMDC, "-i", str(source), "-o", str(out)], capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0 or not out.is_file():
            errors += 1
            print(f"mermaid error in chart {i}: {done.stderr[-400:]}", file=sys.stderr)
    return errors


def make_tree(root: Path, files: int, seed: int = 30) -> None:
    """``files`` Python modules, 20 to a package, packages three levels deep, each importing two
    earlier modules of its own package and one of 20 core modules (``p0/q0/r0``): code that is
    mostly local, around a shared core, as real trees are."""
    rng = random.Random(seed)
    for i in range(files):
        folder = _folder(i)
        for depth in range(1, 4):
            init = root / "/".join(folder.split("/")[:depth]) / "__init__.py"
            if not init.exists():
                init.parent.mkdir(parents=True, exist_ok=True)
                init.write_text(f'"""Package {init.parent.name}: part of the tree."""\n')
        first = i - i % 20
        local = rng.sample(range(first, i), min(i - first, 2))
        core = [rng.randrange(min(i, 20))] if i >= 20 else []
        lines = [f'"""Module {i}."""']
        for j in sorted({*local, *core}):
            lines.append(f"from {_folder(j).replace('/', '.')}.m{j} import f{j}")
        lines += ["", f"def f{i}(x: int) -> int:", f"    return x + {i}", ""]
        (root / folder / f"m{i}.py").write_text("\n".join(lines))


def _folder(i: int) -> str:
    n = i // 20
    return f"p{n % 10}/q{(n // 10) % 10}/r{n // 100}"


def measure_tree(files: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="reactor-pages-tree-") as tmp:
        root = Path(tmp) / "tree"
        root.mkdir()
        (root / ".git").mkdir()
        make_tree(root, files)
        with Reactor.open(root, watch=False) as reactor:
            reactor.pages.enabled = False  # the file docs first, timed alone
            started = time.perf_counter()
            reactor.generate()
            docs_s = time.perf_counter() - started
            reactor.pages.enabled = True
            started = time.perf_counter()
            written = reactor.pages.write_all()
            pages_s = time.perf_counter() - started
            started = time.perf_counter()
            again = reactor.pages.write_all()
            converged_s = time.perf_counter() - started
            dirs = len(source_dirs([r.path for r in reactor.index.all_rows()]))
        return {
            "files": files,
            "source_dirs": dirs,
            "pages_written": len(written),
            "file_docs_s": round(docs_s, 2),
            "pages_s": round(pages_s, 2),
            "pages_share": round(pages_s / docs_s, 4),
            "converged_pass_s": round(converged_s, 3),
            "converged_pass_written": len(again),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkouts", nargs="*", type=Path)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--mmdc", help="the Mermaid CLI command (e.g. 'npx mmdc -p cfg.json')")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.mmdc:
        MMDC.extend(args.mmdc.split())
    results: dict[str, Any] = {"repos": [measure_checkout(c, args.mmdc) for c in args.checkouts]}
    if args.files:
        results["tree"] = measure_tree(args.files)
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
