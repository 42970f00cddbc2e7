"""`reactor mcp` figures: get_doc, repo_map, search_docs and the idle server, on generated repos.

    python benchmarks/mcp_bench.py [--quick] [--files N] [--json PATH]

The repo is generated here from a fixed seed: ``--files`` Python modules in packages of 50, each
with a docstring, three public functions and a class, importing up to four earlier modules (a
few hub modules imported by many, as real repos have), all documented by the outline first.
Measured in this process through the same objects ``reactor mcp`` serves its tools from
(:class:`reactor.ondemand.OnDemand`), and once over stdio for the idle cost: the server process
with its watcher and idle ticks, sampled with psutil while no call arrives.

| figure | target (issue 31) |
| --- | --- |
| ``get_doc`` of a fresh doc, p50 / p99 | ≤ 5 / 20 ms |
| ``get_doc`` of a stale 1,000-line file with the outline, p50 | ≤ 100 ms |
| ``repo_map`` at 1,000 tokens on 10,000 files | ≤ 300 ms |
| ``search_docs`` on 10,000 docs, p50 | ≤ 20 ms |
| ``reactor mcp`` idle CPU / RSS on 10,000 files | < 0.5 % / < 120 MB |
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
import psutil

from reactor.ondemand import OnDemand
from reactor.reactor import Reactor

SEED = 31
PACKAGE_FILES = 50
WORDS = (
    "cache index token graph parse render queue retry budget socket buffer stream schema "
    "config loader writer reader session worker scheduler ledger invoice payment customer "
    "order report metric sample window vector matrix kernel shard replica"
).split()


def module_source(i: int, imports: list[int], rng: random.Random) -> str:
    """One generated module: a docstring, imports of earlier modules, functions and a class."""
    words = rng.sample(WORDS, 4)
    lines = [f'"""The {words[0]} {words[1]} of part {i}: keeps {words[2]} and {words[3]}."""', ""]
    for j in imports:
        lines.append(f"from {package(j)}.m{j} import f{j}_a, C{j}")
    lines.append("")
    for name in ("a", "b", "c"):
        word = rng.choice(WORDS)
        lines += [
            f"def f{i}_{name}(x: int, {word}: str = '') -> int:",
            f'    """Return x after the {word} step of part {i}."""',
            *[f"    x = f{j}_a(x) + 1" for j in imports[:2]],
            "    return x",
            "",
        ]
    lines += [
        f"class C{i}:",
        f'    """A {rng.choice(WORDS)} holder."""',
        "",
        "    def run(self) -> int:",
        "        return 0",
        "",
    ]
    return "\n".join(lines)


def package(i: int) -> str:
    return f"pkg{i // PACKAGE_FILES}"


def make_repo(root: Path, files: int) -> list[str]:
    """The repo, indexed and documented; returns its source paths."""
    rng = random.Random(SEED)
    hubs = list(range(min(20, files)))
    paths = []
    for i in range(files):
        earlier = [j for j in rng.sample(range(i), min(i, 3))] if i else []
        if i > 20 and rng.random() < 0.5:
            earlier.append(rng.choice(hubs))
        rel = f"{package(i)}/m{i}.py"
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / "__init__.py").touch()
        path.write_text(module_source(i, sorted(set(earlier)), rng))
        paths.append(rel)
    (root / ".git").mkdir(exist_ok=True)
    with Reactor.open(root, watch=False) as reactor:
        reactor.generate(None)
    return paths


def long_module(lines: int) -> str:
    """A stale 1,000-line module: many small functions and classes."""
    out = ['"""A long module."""', ""]
    i = 0
    while len(out) < lines:
        out += [f"def g{i}(x: int) -> int:", f'    """Step {i}."""', "    return x + 1", ""]
        i += 1
    return "\n".join(out[:lines]) + "\n"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def bench_calls(root: Path, paths: list[str], rounds: int) -> dict[str, Any]:
    """get_doc fresh and stale, repo_map, search_docs, through OnDemand (what the tools call)."""
    rng = random.Random(SEED)
    with Reactor.open(root, watch=False) as reactor:
        ask = OnDemand(reactor, ticking=False)
        reactor.search.catch_up()
        fresh = []
        for rel in rng.choices(paths, k=rounds):
            started = time.perf_counter()
            answer = ask.get_doc(rel)
            fresh.append(time.perf_counter() - started)
            assert answer.state == "fresh" and answer.source == "doc", answer
        stale = []
        long_rel = "pkg0/long.py"
        for n in range(max(5, rounds // 20)):
            (root / long_rel).write_text(long_module(1000) + f"# edit {n}\n")
            started = time.perf_counter()
            answer = ask.get_doc(long_rel)
            stale.append(time.perf_counter() - started)
            assert answer.was in ("stale", "missing") and answer.state == "fresh", answer
        ask.mapper = type(ask.mapper)(reactor.index)  # a new graph: the first call loads it
        started = time.perf_counter()
        ask.repo_map(max_tokens=1000)
        cold = time.perf_counter() - started
        plain, focused = [], []
        for n in range(10):
            started = time.perf_counter()
            ask.repo_map(max_tokens=1000)
            plain.append(time.perf_counter() - started)
            started = time.perf_counter()
            ask.repo_map(max_tokens=1000, focus=[rng.choice(paths), f"f{n}_a"])
            focused.append(time.perf_counter() - started)
        searches = []
        for _ in range(rounds):
            query = " ".join(rng.sample(WORDS, 2))
            started = time.perf_counter()
            ask.search_docs(query, limit=10)
            searches.append(time.perf_counter() - started)
    return {
        "get_doc_fresh_p50_ms": ms(statistics.median(fresh)),
        "get_doc_fresh_p99_ms": ms(percentile(fresh, 0.99)),
        "get_doc_stale_1000_lines_p50_ms": ms(statistics.median(stale)),
        "repo_map_1000_tokens_cold_ms": ms(cold),
        "repo_map_1000_tokens_warm_ms": ms(statistics.median(plain)),
        "repo_map_1000_tokens_focus_ms": ms(statistics.median(focused)),
        "search_docs_p50_ms": ms(statistics.median(searches)),
        "search_docs_p99_ms": ms(percentile(searches, 0.99)),
    }


def bench_stdio(root: Path, paths: list[str], rounds: int) -> dict[str, Any]:
    """The same calls as an agent makes them: over stdio, through the SDK's client, each
    round trip timed (JSON-RPC framing and the pipe included)."""
    from mcp import Client, StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(
        command=sys.executable, args=["-m", "reactor.cli", "mcp", str(root)]
    )
    rng = random.Random(SEED + 1)
    out: dict[str, list[float]] = {"get_doc": [], "repo_map": [], "search_docs": []}

    async def run() -> None:
        async with Client(stdio_client(params), mode="legacy", cache=None) as client:
            await client.call_tool("repo_map", {"max_tokens": 1000})  # (the first index)
            calls = [("get_doc", lambda: {"path": rng.choice(paths)})] * rounds
            calls += [("repo_map", lambda: {"max_tokens": 1000})] * 10
            calls += [("search_docs", lambda: {"query": " ".join(rng.sample(WORDS, 2))})] * rounds
            for tool, arguments in calls:
                started = time.perf_counter()
                result = await client.call_tool(tool, arguments())
                out[tool].append(time.perf_counter() - started)
                assert not result.is_error, result

    anyio.run(run)
    return {
        "stdio_get_doc_fresh_p50_ms": ms(statistics.median(out["get_doc"])),
        "stdio_get_doc_fresh_p99_ms": ms(percentile(out["get_doc"], 0.99)),
        "stdio_repo_map_1000_tokens_ms": ms(statistics.median(out["repo_map"])),
        "stdio_search_docs_p50_ms": ms(statistics.median(out["search_docs"])),
    }


def bench_idle(root: Path, seconds: float) -> dict[str, Any]:
    """``reactor mcp`` over stdio with nobody calling: CPU share and RSS after it settled."""
    server = subprocess.Popen(
        [sys.executable, "-m", "reactor.cli", "mcp", str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        process = psutil.Process(server.pid)
        time.sleep(min(10.0, seconds))  # the first ticks and the search catch-up settle
        assert server.poll() is None, "reactor mcp exited"
        before, started = process.cpu_times(), time.monotonic()
        time.sleep(seconds)
        after, elapsed = process.cpu_times(), time.monotonic() - started
        cpu = (after.user + after.system - before.user - before.system) / elapsed
        rss = process.memory_info().rss
    finally:
        assert server.stdin is not None
        server.stdin.close()  # a disconnect ends it
        server.wait(timeout=10)
    return {"idle_cpu_percent": round(cpu * 100, 3), "idle_rss_mb": round(rss / 2**20, 1)}


#: Run by the ``--aider`` interpreter: aider's own ranking of the files (their first appearance
#: in ``RepoMap.get_ranked_tags``, the order its map takes them in), as JSON on stdout.
AIDER_RANKING = """
import json, sys
from aider.io import InputOutput
from aider.repomap import RepoMap
class Model:
    def token_count(self, text):
        return len(text) / 3.5
root, files = sys.argv[1], json.loads(sys.argv[2])
io = InputOutput(pretty=False, yes=True)
mapper = RepoMap(map_tokens=1024, root=root, main_model=Model(), io=io)
order = []
for tag in mapper.get_ranked_tags([], [root + "/" + f for f in files], set(), set()):
    rel = tag[0] if len(tag) == 1 else tag.rel_fname
    rel = rel[len(root) + 1 :] if rel.startswith(root + "/") else rel
    if rel not in order:
        order.append(rel)
print(json.dumps(order))
"""


def compare_with_aider(root: Path, aider_python: str, top: int = 20) -> dict[str, Any]:
    """The overlap of the first ``top`` files of our map and of aider's on the same repo: ours
    in the order the cut takes them (first appearance), aider's likewise."""
    from reactor.repomap import RepoMapper

    with Reactor.open(root, watch=False) as reactor:
        reactor.refresh_index()
        files = [row.path for row in reactor.index.all_rows() if row.skip is None]
        ours = RepoMapper(reactor.index).cut_order()
    done = subprocess.run(
        [aider_python, "-c", AIDER_RANKING, str(root), json.dumps(files)],
        capture_output=True,
        text=True,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    theirs = json.loads(done.stdout)
    both = set(ours[:top]) & set(theirs[:top])
    return {
        "repo": str(root),
        "files": len(files),
        f"top{top}_overlap": len(both),
        "ours": ours[:top],
        "aider": theirs[:top],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 files, fewer rounds")
    parser.add_argument("--files", type=int, default=None, help="files (default 10,000)")
    parser.add_argument("--json", metavar="PATH", help="write the figures as JSON too")
    parser.add_argument(
        "--aider",
        metavar="PYTHON",
        help="an interpreter with aider-chat installed: compare the ranking on --compare REPO",
    )
    parser.add_argument("--compare", metavar="REPO", help="a repo to rank with both (--aider)")
    args = parser.parse_args()
    if args.aider:
        found = compare_with_aider(Path(args.compare), args.aider)
        print(json.dumps(found, indent=2))
        return 0
    files = args.files or (1000 if args.quick else 10_000)
    rounds = 100 if args.quick else 500
    with tempfile.TemporaryDirectory(prefix="reactor-mcp-bench-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        paths = make_repo(root, files)
        results: dict[str, Any] = {"files": files, "setup_s": round(time.perf_counter() - started)}
        results.update(bench_calls(root, paths, rounds))
        results.update(bench_stdio(root, paths, rounds))
        results.update(bench_idle(root, 10.0 if args.quick else 60.0))
    for key, value in results.items():
        print(f"{key:36} {value}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
