"""The differential oracle audit: the extractor's facts and neighbours against each language's
own tools, on public repositories no earlier audit used (issue 29, item 6).

    python benchmarks/audit.py [--lang go …] [--repos owner/name …] [--files 40]
                               [--json PATH] [--misses DIR] [--readme]

For each language and repo (``benchmarks/oracles/repos.py``, pinned by commit) the commit is
extracted from its local mirror (``--mirrors``, default ``/work/.mirror``) into the oracle home
(``$REACTOR_ORACLE_HOME``, default ``/tmp/oracle``), indexed in memory the way ``reactor
check --strict`` does (``Scan`` then ``neighbours``), and a deterministic sample of up to
``--files`` files of the language is compared claim by claim with the oracle
(``benchmarks/oracles/compare.py`` holds the match rules). Prints a table of precision and
recall per claim kind; ``--json`` writes every figure; every miss goes, with file:line, the
claim and the oracle's view, to ``<misses>/misses-<language>.jsonl`` (an index that does not
finish in ``INDEX_SECONDS`` is reported as a hang, that repo's edges left unjudged);
``--readme`` rewrites the table in ``benchmarks/README.md`` between its oracle-audit markers.
``--setup`` installs the oracle tools into the oracle home (PyPI and npm) and names the Debian
packages needed.
Not part of ``run.py --quick``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import importlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path, PurePosixPath
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from oracles import HOME, NODE_MODULES, VENV_PYTHON, Oracle
from oracles.compare import KINDS, Tally, compare_file
from oracles.repos import REPOS

from reactor.config import load_config
from reactor.facts import extract, language_of
from reactor.facts.resolve import Resolver
from reactor.graph import neighbours
from reactor.index import FileIndex
from reactor.policy import SourcePolicy
from reactor.scan import Scan

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
START, END = "<!-- oracle-audit:start -->", "<!-- oracle-audit:end -->"

#: The extractor's languages, and the extensions, that each audited language reads.
SELECT: dict[str, tuple[set[str], set[str] | None]] = {
    "python": ({"python"}, {".py"}),
    "typescript": ({"typescript", "tsx"}, None),
    "javascript": ({"javascript"}, None),
    "go": ({"go"}, None),
    "rust": ({"rust"}, None),
    "java": ({"java"}, None),
    "c": ({"c", "cpp"}, {".c", ".h"}),
    "cpp": ({"cpp", "c"}, {".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx", ".h"}),
    "ruby": ({"ruby"}, None),
    "php": ({"php"}, None),
    "kotlin": ({"kotlin"}, None),
    "csharp": ({"csharp"}, None),
    "swift": ({"swift"}, None),
    "scala": ({"scala"}, None),
    "shell": ({"bash"}, None),
    "lua": ({"lua"}, None),
}
#: Which module under ``oracles`` builds each language's oracle.
MODULES = {
    "python": "python",
    "typescript": "typescript",
    "javascript": "typescript",
    "go": "go",
    "java": "java",
    "c": "clang",
    "cpp": "clang",
    "scala": "scala",
}
#: Languages no oracle reads: ctags has no Swift parser, and no parser independent of the
#: extractor's grammar installs here from PyPI, npm or Debian (README, oracle-audit section).
NO_ORACLE = {"swift"}


def oracle_for(language: str) -> Oracle:
    module = importlib.import_module(f"oracles.{MODULES.get(language, 'ctags')}")
    made: Oracle = module.oracle(language)
    return made


def checkout(spec: str, mirrors: Path) -> tuple[str, str, Path]:
    """``owner/name@commit`` extracted from its mirror into the oracle home (once)."""
    repo, _, commit = spec.partition("@")
    dest = HOME / "src" / f"{repo.replace('/', '+')}@{commit[:12]}"
    if not dest.exists():
        base = mirrors / repo.replace("/", "+") / "repo"
        git_dir = base / ".git" if (base / ".git").is_dir() else base
        tmp = dest.with_name(dest.name + ".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        git = ["git", f"--git-dir={git_dir}"]
        archive = subprocess.run([*git, "archive", commit], capture_output=True, check=False)
        if archive.returncode != 0:  # a snapshot may lack its largest blobs: leave those out
            tree = subprocess.run(
                [*git, "ls-tree", "-r", commit], capture_output=True, text=True, check=True
            ).stdout.splitlines()
            blobs = {line.split()[2]: line.split("\t", 1)[1] for line in tree if " blob " in line}
            check = subprocess.run(
                [*git, "cat-file", "--batch-check"],
                input="\n".join(blobs),
                capture_output=True,
                text=True,
                check=True,
            ).stdout.splitlines()
            present = [blobs[c.split()[0]] for c in check if not c.endswith("missing")]
            archive = subprocess.run(
                [*git, "archive", commit, "--", *present], capture_output=True, check=True
            )
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive.stdout, check=True)
        tmp.rename(dest)
    return repo, commit, dest


#: How long indexing one repo may take before the audit calls it a hang (it takes seconds).
INDEX_SECONDS = 120


class IndexTimeout(Exception):
    pass


def index_of(root: Path, seconds: int = INDEX_SECONDS) -> FileIndex | None:
    """The repo indexed as ``reactor check --strict`` indexes it; ``None`` when that does not
    finish within ``seconds`` (an extractor hang, reported as such)."""

    def stop(signum: int, frame: object) -> None:
        raise IndexTimeout

    index = FileIndex.in_memory()
    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        Scan(index, SourcePolicy(root, load_config(root)), Resolver(root)).run()
    except IndexTimeout:
        index.close()
        return None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return index


def paths_of(index: FileIndex | None, root: Path) -> list[str]:
    """The index's files; without an index, the files on disk (hidden folders left out)."""
    if index is not None:
        return [rel for (rel,) in index.read("SELECT path FROM files ORDER BY path")]
    out = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = Path(folder).relative_to(root).as_posix()
        out += [n if base == "." else f"{base}/{n}" for n in sorted(names)]
    return sorted(out)


def files_of(index: FileIndex | None, root: Path, language: str) -> list[str]:
    languages, extensions = SELECT[language]
    out = []
    for rel in paths_of(index, root):
        suffix = PurePosixPath(rel).suffix.lower()
        if extensions is not None and suffix not in extensions:
            continue
        try:
            head = (root / rel).read_bytes()[:256]
        except OSError:
            continue
        if language_of(rel, head) in languages:
            out.append(rel)
    return out


def audit_repo(
    language: str, spec: str, oracle: Oracle, mirrors: Path, per_repo: int
) -> tuple[dict[str, Tally], list[dict[str, Any]], dict[str, Any]]:
    repo, commit, root = checkout(spec, mirrors)
    started = time.perf_counter()
    index = index_of(root)
    if index is None:  # no neighbours to judge: the facts of each file still are
        judges = {k: v for k, v in oracle.judges.items() if k not in ("edges", "imported_by")}
        oracle = dataclasses.replace(oracle, judges=judges)
    try:
        files = files_of(index, root, language)
        seed = int(hashlib.sha256(f"{repo}:{language}".encode()).hexdigest()[:8], 16)
        sample = sorted(random.Random(seed).sample(files, min(per_repo, len(files))))
        oracle_files = oracle.run(root, files, sample)
        tallies = {k: Tally() for k in KINDS}
        misses: list[dict[str, Any]] = []
        for rel in sample:
            data = (root / rel).read_bytes()
            facts = extract(rel, data)
            ofile = oracle_files.get(rel)
            if facts is None or ofile is None:
                continue
            imports, importers = neighbours(index, rel) if index is not None else ([], [])
            result = compare_file(
                language=language,
                rel=rel,
                source=data.decode("utf-8", "replace"),
                symbols=facts.symbols,
                file_doc=facts.doc,
                imports=[n.path for n in imports],
                importers={n.path: list(n.shown) for n in importers},
                ofile=ofile,
                oracle_files=oracle_files,
                oracle=oracle,
            )
            for kind, tally in result.tallies.items():
                tallies[kind].add(tally)
            for m in result.misses:
                misses.append({"lang": language, "repo": f"{repo}@{commit[:12]}", **m})
    finally:
        if index is not None:
            index.close()
    info = {
        "repo": repo,
        "commit": commit,
        "files": len(files),
        "sampled": len(sample),
        "oracle_errors": sum(1 for f in oracle_files.values() if f.error),
        "seconds": round(time.perf_counter() - started, 2),
        "figures": {k: t.figures() for k, t in tallies.items()},
    }
    if index is None:
        info["index"] = f"did not finish in {INDEX_SECONDS} s: edges not judged"
        print(f"{language} {repo}: {info['index']}", file=sys.stderr)
    return tallies, misses, info


def cell(t: dict[str, Any]) -> str:
    def pct(x: float | None) -> str:
        return "–" if x is None else f"{100 * x:.1f}"

    if not t["claims"] and not t["items"]:
        return "n/j"
    return f"{pct(t['precision'])} / {pct(t['recall'])} ({t['claims']}/{t['items']})"


def table(results: dict[str, Any]) -> str:
    head = "| language | oracle | " + " | ".join(k.replace("_", " ") for k in KINDS) + " |"
    lines = [head, "| --- | --- |" + " --- |" * len(KINDS)]
    for language, entry in results.items():
        cells = " | ".join(cell(entry["figures"][k]) for k in KINDS)
        lines.append(f"| {language} | {entry['oracle']} | {cells} |")
    return "\n".join(lines)


def repo_lines(results: dict[str, Any]) -> str:
    out = []
    for language, entry in results.items():
        repos = ", ".join(
            f"{r['repo']}@{r['commit'][:12]} ({r['sampled']}/{r['files']} files"
            + (f"; index {r['index']}" if r.get("index") else "")
            + ")"
            for r in entry["repos"]
        )
        out.append(f"- {language}: {repos}")
    return "\n".join(out)


def setup() -> None:
    """Install the oracle tools into the oracle home (never into the project's venv)."""
    HOME.mkdir(parents=True, exist_ok=True)
    if not VENV_PYTHON.exists():
        subprocess.run([sys.executable, "-m", "venv", str(HOME / "venv")], check=True)
    pip = [str(VENV_PYTHON), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "griffe==2.4.1", "libclang==18.1.1", "luaparser==4.2.0"], check=True)
    node = NODE_MODULES.parent
    node.mkdir(parents=True, exist_ok=True)
    for package, version in (("typescript", "5"), ("scalameta-parsers", "4.14.2")):
        if not (NODE_MODULES / package).exists():
            subprocess.run(
                ["npm", "install", "--prefix", str(node), f"{package}@{version}"], check=True
            )
    print(
        "Debian packages the other oracles need (apt-get install): golang-go universal-ctags "
        "default-jdk-headless"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", nargs="*", default=list(REPOS), help="languages to audit")
    parser.add_argument("--repos", nargs="*", help="only these owner/name (any language)")
    parser.add_argument("--files", type=int, default=40, help="files sampled per repo")
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--misses", type=Path, default=HOME, help="where misses-<lang>.jsonl go")
    parser.add_argument("--readme", action="store_true", help="rewrite the README's table")
    parser.add_argument("--setup", action="store_true", help="install the oracle tools")
    args = parser.parse_args(argv)
    if args.setup:
        setup()
        return 0
    results: dict[str, Any] = {}
    args.misses.mkdir(parents=True, exist_ok=True)
    for language in args.lang:
        specs = [s for s in REPOS[language] if not args.repos or s.split("@")[0] in set(args.repos)]
        if not specs:
            continue
        if language in NO_ORACLE:
            print(f"{language}: no oracle (see NO_ORACLE)", file=sys.stderr)
            continue
        oracle = oracle_for(language)
        totals = {k: Tally() for k in KINDS}
        repos = []
        all_misses: list[dict[str, Any]] = []
        for spec in specs:
            try:
                tallies, misses, info = audit_repo(language, spec, oracle, args.mirrors, args.files)
            except Exception as exc:
                print(f"{language} {spec}: failed: {exc!r}"[:600], file=sys.stderr)
                repos.append(
                    {
                        "repo": spec.split("@")[0],
                        "commit": spec.split("@")[1],
                        "files": 0,
                        "sampled": 0,
                        "error": repr(exc)[:300],
                    }
                )
                continue
            for kind, tally in tallies.items():
                totals[kind].add(tally)
            all_misses += misses
            repos.append(info)
            print(
                f"{language} {info['repo']}: {info['sampled']}/{info['files']} files, "
                f"{info['seconds']} s",
                file=sys.stderr,
            )
        with (args.misses / f"misses-{language}.jsonl").open("w") as out:
            for m in all_misses:
                out.write(json.dumps(m, ensure_ascii=False) + "\n")
        results[language] = {
            "oracle": oracle.tool,
            "judges": oracle.judges,
            "repos": repos,
            "figures": {k: t.figures() for k, t in totals.items()},
            "misses": defaultdict_counts(all_misses),
        }
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    if args.readme:
        write_readme(results)
    return 0


def defaultdict_counts(misses: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for m in misses:
        counts[f"{m['kind']}/{m['side']}"] += 1
    return dict(sorted(counts.items()))


def write_readme(results: dict[str, Any]) -> None:
    text = README.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"{README} has no {START} … {END} section")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    body = f"{START}\n{table(results)}\n\nRepositories (sampled/all files of the language):\n\n"
    body += f"{repo_lines(results)}\n{END}"
    README.write_text(head + body + tail)


if __name__ == "__main__":
    sys.exit(main())
