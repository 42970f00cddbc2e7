"""reactor benchmarks: each figure side by side with the naive way, in one run, on one machine.

    python benchmarks/run.py [--quick] [--json PATH]

Every data set is generated here, in a temp dir, from fixed seeds. ``--quick`` finishes in under a
minute (about 40 s on 2 cores): smaller sizes and fewer repetitions, each naive figure still
measured beside its reactor figure on the same data; the rows it leaves to the full run say
"(full run only)"; and its two idle windows (``idle``, ``multi_repo``) run on in the background
while the next sections run (``pending.py``), never beside ``tick_latency`` or
``host_interference``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import psutil

from reactor.backends import DocRequest, Generated, NoOp
from reactor.backends.outline import OutlineBackend
from reactor.check import check
from reactor.config import DocgenConfig
from reactor.docs import DocStore, header_line
from reactor.facts import extract
from reactor.facts.resolve import Resolver
from reactor.index import FileIndex
from reactor.policy import SourcePolicy
from reactor.reactor import Reactor
from reactor.sampler import Sampler
from reactor.scan import Scan
from reactor.service import Service

sys.path.insert(0, str(Path(__file__).resolve().parent))
import doccheck
import freshness
import languages
import throughput
import ticks
from pending import Pending, full_run_only, wait_quiet

SAMPLE_SIZE = 10

#: The sections, in the table's order (and the JSON's).
SECTIONS = [
    "seek",
    "coverage",
    "storm",
    "idle",
    "latency",
    "refresh",
    "outline",
    "tick_latency",
    "host_interference",
    "multi_repo",
    "watch_cost",
    "facts",
    "branch_flip",
    "ripple",
    "jobs",
]


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def write_file(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, data)
    os.close(fd)


def link_tree(paths: list[str], data: bytes) -> None:
    """Many files with the same bytes, as hard links of one: inode creation is what is slow on
    this VM's disk (0.1–0.9 ms a file), a link costs ~25 µs, and reading, stat-ing and walking
    a link is the same work as for a file of its own."""
    first, made = "", ""
    for i, path in enumerate(paths):
        directory = path.rpartition("/")[0]
        if directory != made:  # the paths come directory by directory
            os.makedirs(directory, exist_ok=True)
            made = directory
        if i % 60_000 == 0:  # ext4 allows 65,000 links per inode
            first = path
            write_file(path, data)
        else:
            os.link(first, path)


def synthetic_index(
    root: Path, n: int, *, with_docs: bool, docs_from: int = 0
) -> tuple[FileIndex, DocStore]:
    """``n`` index rows and, ``with_docs``, a fresh doc for each on disk (no sources).

    Every row carries the same content digest, so one doc's bytes serve all (hard links); the
    freshness check still opens and reads each row's own doc path. ``docs_from``: the docs of
    the first rows are already there (a smaller index's tree, grown to this one).
    """
    root.mkdir(parents=True, exist_ok=True)  # an index belongs to a repo that exists
    index = FileIndex.for_repo(root)
    docs = DocStore(root, PurePosixPath("DOCS/REPODOCS"))
    sha = hashlib.sha256(b"synthetic").hexdigest()
    paths = [f"d{i // 1000}/f{i}.py" for i in range(n)]
    rows = [(rel, 10, 1, sha, sha) for rel in paths]
    if with_docs:
        link_tree([f"{docs.root}/{rel}.md" for rel in paths[docs_from:]], header_line(sha).encode())
    db = sqlite3.connect(index.db_path)
    db.executemany(
        "INSERT INTO files (path, size, mtime_ns, blake3, sha256) VALUES (?, ?, ?, ?, ?)", rows
    )
    db.commit()
    db.close()
    return index, docs


def bench_seek(tmp: Path, sizes: list[int], ticks: int) -> list[dict[str, Any]]:
    """One tick's candidate selection + freshness check of every sample (all fresh: worst case)."""
    out = []
    root, grown = tmp / "seek", 0
    for n in sorted(sizes):  # one doc tree, grown from size to size: it holds exactly n docs
        index, docs = synthetic_index(root, n, with_docs=True, docs_from=grown)
        grown = n
        sampler = Sampler(index, sample_size=SAMPLE_SIZE, rng=random.Random(1))

        def reactor_tick(sampler: Sampler = sampler, docs: DocStore = docs) -> None:
            rows = sampler.candidates()
            for row in rows:
                sampler.advance(row)
                if docs.header(row.path) != row.sha256:
                    break

        db = sqlite3.connect(index.db_path)

        def naive_tick(db: sqlite3.Connection = db, docs: DocStore = docs) -> None:
            rows = db.execute(
                "SELECT path, sha256 FROM files WHERE binary = 0 ORDER BY RANDOM() LIMIT ?",
                (SAMPLE_SIZE,),
            ).fetchall()
            for path, sha in rows:
                if docs.header(path) != sha:
                    break

        reactor_tick()
        naive_tick()
        reactor_us = timed(lambda: [reactor_tick() for _ in range(ticks)]) / ticks * 1e6
        repeat = max(3, ticks // (1 + n // 10_000))
        naive_us = timed(lambda r=repeat: [naive_tick() for _ in range(r)]) / repeat * 1e6
        db.close()
        index.close()
        out.append(
            {
                "n": n,
                "us_per_tick": round(reactor_us, 1),
                "order_by_random_us": round(naive_us, 1),
                "ratio": round(naive_us / reactor_us, 1),
            }
        )
        shutil.rmtree(root / ".llmc")  # the next size's index starts empty
    shutil.rmtree(root)
    return out


def bench_coverage(tmp: Path, n: int, k: int, seeds: int) -> dict[str, Any]:
    """Ticks until all k stale files are found: the sweeping sampler vs pure random samples."""
    root = tmp / "coverage"
    index, _ = synthetic_index(root, n, with_docs=False)
    ids = [r.id for r in index.rows_after(0, n)]
    reactor_ticks, random_ticks = [], []
    for seed in range(seeds):
        rng = random.Random(seed)
        stale = set(rng.sample(ids, k))
        sampler = Sampler(index, sample_size=SAMPLE_SIZE, rng=random.Random(seed + 100))
        remaining, ticks = set(stale), 0
        while remaining:
            ticks += 1
            for row in sampler.candidates():
                sampler.advance(row)
                if row.id in remaining:
                    remaining.discard(row.id)  # generated: one file per tick
                    break
        reactor_ticks.append(ticks)
        remaining, ticks = set(stale), 0
        while remaining:
            ticks += 1
            hit = next((i for i in rng.sample(ids, SAMPLE_SIZE) if i in remaining), None)
            if hit is not None:
                remaining.discard(hit)
        random_ticks.append(ticks)
    index.close()
    shutil.rmtree(root)
    return {
        "n": n,
        "k": k,
        "sample_size": SAMPLE_SIZE,
        "ticks_to_all": statistics.median(reactor_ticks),
        "random_ticks_to_all": statistics.median(random_ticks),
        "bound": n // SAMPLE_SIZE + k,
        "seeds": seeds,
    }


def thread_cpu(process: psutil.Process, exclude: set[int]) -> float:
    return sum(t.user_time + t.system_time for t in process.threads() if t.id not in exclude)


def bench_storm(tmp: Path, n: int) -> dict[str, Any]:
    """``n`` files rewritten at once under a live observer: what reaches the dirty set."""
    root = tmp / "storm"
    for i in range(n):
        path = root / f"s{i % 100}" / f"f{i}.py"
        if i < 100:
            path.parent.mkdir(parents=True)
        write_file(str(path), f"V = {i}\n".encode())
    config = DocgenConfig().replace(idle_after_seconds=3600.0)  # never tick during the storm
    me = psutil.Process()
    main_thread = {threading.get_native_id()}
    with Reactor.open(root, config=config) as reactor:
        reactor.refresh_index()
        rss_peak = me.memory_info().rss
        cpu_before = thread_cpu(me, main_thread)
        events_before = reactor.dirty.events
        started = time.monotonic()
        for i in range(n):
            with open(root / f"s{i % 100}" / f"f{i}.py", "a") as fh:
                fh.write("# storm\n")
        written = time.monotonic()
        last, last_change = (-1, -1), time.monotonic()
        while time.monotonic() - last_change < 0.5:
            now = (len(reactor.dirty), reactor.dirty.events)
            if now != last:
                last, last_change = now, time.monotonic()
            rss_peak = max(rss_peak, me.memory_info().rss)
            time.sleep(0.01)
        settle = last_change - written
        handler_cpu = thread_cpu(me, main_thread) - cpu_before
        dirty = {e.path for e in reactor.dirty.settled(0, limit=n + 1)}
        rescued: set[str] = set()
        if reactor.dirty.has_trees():  # an overflow: the reactor rescans instead
            rescued = set(reactor.refresh_index().changed_paths)
        changed = {f"s{i % 100}/f{i}.py" for i in range(n)}
        result = {
            "files": n,
            "events": reactor.dirty.events - events_before,
            "dirty_max": reactor.dirty.high_water,
            "handler_cpu_s": round(handler_cpu, 2),
            "write_s": round(written - started, 2),
            "settle_s": round(settle, 2),
            "overflow_rescans": reactor.watcher.overflows if reactor.watcher else 0,
            "missed": len(changed - dirty - rescued),
            "peak_rss_mb": round(rss_peak / 2**20, 1),
        }
    shutil.rmtree(root)
    return result


def small_repo(root: Path, files: int) -> None:
    for i in range(files):
        path = root / f"pkg{i % 10}" / f"mod{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'"""Module {i}."""\n\ndef f{i}(x: int) -> int:\n    return x + {i}\n')


def bench_idle(tmp: Path, seconds: float, *, background: bool = False) -> dict[str, Any] | Pending:
    """A converged ``reactor watch``: CPU and wake-ups while nothing happens, over ``seconds``
    from 3 s after it starts. ``background``: return once its start is over and measure the
    window in a thread (see ``pending.py``)."""
    root = tmp / "idle"
    small_repo(root, 200)
    subprocess.run(
        [sys.executable, "-m", "reactor.cli", "generate", "--all", "--repo", str(root)],
        check=True,
        capture_output=True,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "reactor.cli", "watch", str(root)],
        stderr=subprocess.DEVNULL,
    )
    launched = time.monotonic()
    ps = psutil.Process(proc.pid)

    def measure() -> dict[str, Any]:
        try:
            time.sleep(max(0.0, launched + 3 - time.monotonic()))  # startup, first sweep
            cpu0 = ps.cpu_times()
            ctx0 = sum(ps.num_ctx_switches())
            time.sleep(seconds)
            cpu1 = ps.cpu_times()
            ctx1 = sum(ps.num_ctx_switches())
        finally:
            proc.terminate()
            proc.wait(timeout=20)
        cpu = (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)
        shutil.rmtree(root)
        return {
            "seconds": seconds,
            "cpu_percent": round(cpu / seconds * 100, 3),
            "wakeups_per_s": round((ctx1 - ctx0) / seconds, 2),
        }

    if not background:
        return measure()
    try:
        wait_quiet(ps, until=launched + 3)
    except BaseException:
        proc.kill()
        raise
    return Pending(measure)


def bench_latency(tmp: Path, saves: int) -> dict[str, Any]:
    """Save → fresh doc, with ``idle_after_seconds = 0`` and the outline backend."""
    root = tmp / "latency"
    small_repo(root, 50)
    config = DocgenConfig().replace(idle_after_seconds=0.0)
    samples = []
    with Reactor.open(root, config=config) as reactor:
        service = Service([reactor], min_sleep_seconds=config.tick_seconds)
        thread = threading.Thread(target=service.run)
        thread.start()
        try:
            for i in range(saves):
                rel = f"pkg{i % 10}/mod{i}.py"
                path = root / rel
                data = path.read_text() + f"\nEDIT_{i} = {i}\n"
                sha = hashlib.sha256(data.encode()).hexdigest()
                start = time.monotonic()
                path.write_text(data)
                while reactor.docs.header(rel) != sha:
                    if time.monotonic() - start > 30:
                        raise RuntimeError(f"{rel} never became fresh")
                    time.sleep(0.005)
                samples.append((time.monotonic() - start) * 1000)
        finally:
            service.stop()
            thread.join()
    shutil.rmtree(root)
    samples.sort()
    return {
        "saves": saves,
        "settle_seconds": config.settle_seconds,
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 1),
    }


def bench_refresh(tmp: Path, n: int) -> dict[str, Any]:
    """An unchanged n-file tree: incremental refresh vs a bare walk vs hashing everything."""
    root = tmp / "refresh"
    paths = [f"{root}/d{i // 1000}/s{(i // 100) % 10}/f{i}.c" for i in range(n)]
    link_tree(paths, b"int f(void) { return 0; }\n")
    (root / ".gitignore").write_text("*.o\nbuild/\n*.log\nnode_modules/\n")
    policy = SourcePolicy(root, DocgenConfig())
    index = FileIndex.for_repo(root)
    resolver = Resolver(root)
    Scan(index, policy, resolver).run()

    def walk(directory: str) -> None:
        with os.scandir(directory) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != ".llmc":
                        walk(entry.path)
                else:
                    entry.stat(follow_symlinks=False)

    def sha_all(directory: str) -> None:
        for base, dirs, files in os.walk(directory):
            dirs[:] = [d for d in dirs if d != ".llmc"]
            for name in files:
                with open(os.path.join(base, name), "rb") as fh:
                    hashlib.sha256(fh.read()).hexdigest()

    refresh_s = min(timed(lambda: Scan(index, policy, resolver).run()) for _ in range(3))
    walk_s = min(timed(lambda: walk(str(root))) for _ in range(3))
    sha_s = min(timed(lambda: sha_all(str(root))) for _ in range(2))
    index.close()
    # `reactor check` on the same tree with a fresh doc for every file and no index (a CI
    # checkout that commits its docs): every source is hashed and its doc header read
    sha = hashlib.sha256(b"int f(void) { return 0; }\n").hexdigest()
    docs_root = root / "DOCS/REPODOCS"
    link_tree(
        [f"{docs_root}/{os.path.relpath(p, root)}.md" for p in paths], header_line(sha).encode()
    )
    shutil.rmtree(root / ".llmc")
    check_s = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        report = check(root, DocgenConfig())
        check_s = min(check_s, time.perf_counter() - started)
        assert report.ok and report.fresh == n, report.summary()
    shutil.rmtree(root)
    return {
        "files": n,
        "index_refresh_s": round(refresh_s, 3),
        "scandir_walk_s": round(walk_s, 3),
        "sha256_all_s": round(sha_s, 3),
        "ratio_vs_walk": round(refresh_s / walk_s, 2),
        "ratio_sha256_vs_refresh": round(sha_s / refresh_s, 2),
        "check_no_index_s": round(check_s, 3),
        "check_ratio_vs_walk": round(check_s / walk_s, 2),
    }


class ReparsingOutline(OutlineBackend):
    """The outline as it was before facts were stored: it parses the source again itself."""

    def generate(self, request: DocRequest) -> Generated | NoOp:
        facts = extract(request.relative_path, request.source_contents.encode())
        return super().generate(dataclasses.replace(request, facts=facts))


def bench_outline(tmp: Path, rounds: int = 3, subtree: str = "") -> dict[str, Any]:
    """``generate --all`` with the outline backend over a copy of pip's sources (a real Python
    tree; ``subtree``: only that part of it, e.g. ``_internal``): facts extracted once (at index
    time, stored, read by the backend) against a backend that parses each file again, as
    before; each the best of ``rounds`` fresh copies, the two alternating (this VM's disk varies
    run to run). Also the backend alone per file: rendering from stored facts, against
    extracting them first."""
    import pip

    source = Path(pip.__file__).parent / subtree
    out: dict[str, Any] = {"tree": f"pip/{subtree}" if subtree else "pip"}
    variants = (("facts_once", OutlineBackend()), ("parse_twice", ReparsingOutline()))
    best = {label: float("inf") for label, _ in variants}
    for n in range(rounds):
        for label, backend in variants:
            root = tmp / f"outline-{label}-{n}"
            shutil.copytree(source, root, ignore=shutil.ignore_patterns("__pycache__"))
            with Reactor.open(root, watch=False, backend=backend) as reactor:
                started = time.perf_counter()
                outcomes = reactor.generate()
                best[label] = min(best[label], time.perf_counter() - started)
                if label == "facts_once" and n == 0:
                    requests = [
                        reactor.generator.request(
                            rel, "0" * 64, (root / rel).read_bytes(), reactor.index.facts(rel)
                        )
                        for rel in reactor.expand(None)
                    ]
            shutil.rmtree(root)
    generated = sum(o.status == "generated" for o in outcomes)
    out["files"] = generated
    for label, seconds in best.items():
        out[f"{label}_files_per_s"] = round(generated / seconds, 1)
    out["ratio"] = round(out["facts_once_files_per_s"] / out["parse_twice_files_per_s"], 2)
    render = timed(lambda: [OutlineBackend().generate(r) for r in requests])
    reparse = timed(lambda: [ReparsingOutline().generate(r) for r in requests])
    out["backend_files_per_s"] = round(len(requests) / render)
    out["backend_reparsing_files_per_s"] = round(len(requests) / reparse)
    return out


def table(results: dict[str, Any]) -> str:
    lines = ["| benchmark | figure | reactor | naive | ratio |", "| --- | --- | --- | --- | --- |"]
    for row in results["seek"]:
        lines.append(
            f"| seek N={row['n']:,} | µs per tick (10 samples + doc checks) | "
            f"{row['us_per_tick']} | {row['order_by_random_us']} (ORDER BY RANDOM()) | "
            f"{row['ratio']}× |"
        )
    if results["quick"]:
        lines.append(full_run_only("seek N=1,000,000"))
    c = results["coverage"]
    lines.append(
        f"| coverage N={c['n']:,}, k={c['k']} | ticks until all stale found (median) | "
        f"{c['ticks_to_all']} (bound {c['bound']}) | {c['random_ticks_to_all']} (random) | "
        f"{round(c['random_ticks_to_all'] / c['ticks_to_all'], 1)}× |"
    )
    s = results["storm"]
    lines.append(
        f"| storm {s['files']:,} files | events, dirty max, handler CPU, settle, missed, RSS | "
        f"{s['events']:,} ev, {s['dirty_max']:,}, {s['handler_cpu_s']} s, {s['settle_s']} s, "
        f"{s['missed']} missed, {s['peak_rss_mb']} MB | — | — |"
    )
    i = results["idle"]
    lines.append(
        f"| idle watch {i['seconds']:g} s | CPU %, wake-ups/s | {i['cpu_percent']} %, "
        f"{i['wakeups_per_s']}/s | — | — |"
    )
    la = results["latency"]
    lines.append(
        f"| latency (settle {la['settle_seconds']} s) | save → fresh doc p50 / p95 | "
        f"{la['p50_ms']} / {la['p95_ms']} ms | — | — |"
    )
    r = results["refresh"]
    lines.append(
        f"| refresh {r['files']:,} unchanged | seconds | {r['index_refresh_s']} | "
        f"{r['scandir_walk_s']} (bare walk) / {r['sha256_all_s']} (sha256 all) | "
        f"{r['ratio_vs_walk']}× walk, {r['ratio_sha256_vs_refresh']}× faster than sha256 |"
    )
    lines.append(
        f"| check {r['files']:,} fresh, no index | seconds | {r['check_no_index_s']} | "
        f"{r['scandir_walk_s']} (bare walk) | {r['check_ratio_vs_walk']}× walk |"
    )
    o = results["outline"]
    lines.append(
        f"| outline generate --all | files/s on {o['tree']} ({o['files']} files) | "
        f"{o['facts_once_files_per_s']} (facts once) | {o['parse_twice_files_per_s']} (parsed "
        f"again by the backend) | {o['ratio']}× |"
    )
    lines.append(
        f"| outline backend alone | files/s on {o['tree']} | {o['backend_files_per_s']:,} (from "
        f"stored facts) | {o['backend_reparsing_files_per_s']:,} (extracting them first) | "
        f"{round(o['backend_files_per_s'] / o['backend_reparsing_files_per_s'], 1)}× |"
    )
    lines += ticks.table_rows(results)
    lines += languages.facts_rows(results)
    lines += freshness.table_rows(results)
    lines += throughput.table_rows(results)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smaller sizes, fewer repetitions, idle windows in the background: under a minute",
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument(
        "--tmp",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="where the synthetic repos are made (default: beside this script, i.e. on the "
        "filesystem a checkout lives on)",
    )
    args = parser.parse_args()
    quick = args.quick
    started = time.monotonic()
    results: dict[str, Any] = {
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "date": time.strftime("%Y-%m-%d"),
        },
        "quick": quick,
    }
    seek_sizes = [1_000, 10_000, 100_000] + ([] if quick else [1_000_000])
    with (
        doccheck.docs_checked() as docs,
        tempfile.TemporaryDirectory(prefix=".bench-", dir=args.tmp) as tmpdir,
    ):
        tmp = Path(tmpdir)
        fs = subprocess.run(
            ["findmnt", "-n", "-o", "FSTYPE", "-T", tmpdir], capture_output=True, text=True
        )
        results["machine"]["filesystem"] = fs.stdout.strip() or "unknown"
        # (name, measure, quiet): a quiet section starts only once no figure is still being
        # measured in the background (--quick measures its idle windows there: pending.py)
        steps: list[tuple[str, Callable[[], Any], bool]] = [
            # --quick: first, so that its idle window runs on beside the next few sections
            ("idle", lambda: bench_idle(tmp, 8.0 if quick else 20.0, background=quick), False),
            ("seek", lambda: bench_seek(tmp, seek_sizes, ticks=200 if quick else 1000), False),
            (
                "coverage",
                lambda: bench_coverage(tmp, 10_000, 10, seeds=5 if quick else 15),
                False,
            ),
            ("storm", lambda: bench_storm(tmp, 10_000), False),
            ("latency", lambda: bench_latency(tmp, 5 if quick else 20), False),
            ("refresh", lambda: bench_refresh(tmp, 20_000 if quick else 100_000), False),
            (
                "outline",
                lambda: bench_outline(tmp, 1, "_internal") if quick else bench_outline(tmp),
                False,
            ),
            (
                "tick_latency",
                lambda: ticks.bench_tick_latency(
                    tmp, [5_000] if quick else [10_000, 100_000], steady_ticks=300
                ),
                True,
            ),
            (
                "host_interference",
                lambda: ticks.bench_host_interference(
                    tmp, 10_000 if quick else 100_000, 3.0 if quick else 20.0
                ),
                True,
            ),
            (
                "multi_repo",
                lambda: ticks.bench_multi_repo(
                    tmp, [50] if quick else [50, 200, 500], 5, quick=quick
                ),
                False,
            ),
            (
                "watch_cost",
                lambda: ticks.bench_watch_cost(tmp, 2_000 if quick else 30_000),
                False,
            ),
            ("facts", lambda: languages.bench_facts(tmp, 100 if quick else 1000), False),
            (
                "branch_flip",
                lambda: freshness.bench_branch_flip(
                    tmp, 30 if quick else 500, 10 if quick else 200, 10
                ),
                False,
            ),
            ("ripple", lambda: freshness.bench_ripple(tmp, 25 if quick else 200), False),
            (
                "jobs",
                lambda: throughput.bench_jobs(
                    tmp, 8 if quick else 16, latency=0.2 if quick else 1.0
                ),
                False,
            ),
        ]
        pending: dict[str, Pending] = {}

        def collect() -> None:
            for name, figure in pending.items():
                t = time.monotonic()
                results[name] = figure.result()
                print(f"{name}: done ({time.monotonic() - t:.1f}s waited)", file=sys.stderr)
            pending.clear()

        try:
            for name, step, quiet in steps:
                if quiet:
                    collect()
                t = time.monotonic()
                results[name] = step()
                if isinstance(results[name], Pending):
                    pending[name] = results[name]
                    print(f"{name}: measuring on ({time.monotonic() - t:.1f}s)", file=sys.stderr)
                else:
                    print(f"{name}: done in {time.monotonic() - t:.1f}s", file=sys.stderr)
            collect()
        finally:  # no measuring process outlives the temp dir, even when a section failed
            for figure in pending.values():
                figure.wait()
            cleanup = time.monotonic()
    print(f"cleanup: done in {time.monotonic() - cleanup:.1f}s", file=sys.stderr)
    order = ["machine", "quick", *SECTIONS]  # the JSON's keys in the table's order
    results = {key: results[key] for key in order}
    results["total_s"] = round(time.monotonic() - started, 1)
    results["doc_check"] = checked = doccheck.summary(docs)
    print(table(results))
    m = results["machine"]
    print(
        f"\n{m['cores']} cores, Python {m['python']}, {m['filesystem']}, {m['date']}, "
        f"total {results['total_s']} s{' (quick)' if quick else ''}"
    )
    print(
        f"markdown check: {checked['parsed']:,} docs parsed as CommonMark, "
        f"{checked['against_their_blocks']:,} against the blocks their renderer built, "
        f"{checked['written_by_subprocesses']:,} written by subprocesses, "
        f"{checked['problems']} problems"
    )
    for problem in docs.problems[:20]:
        print(f"  {problem}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 1 if docs.problems else 0


if __name__ == "__main__":
    sys.exit(main())
