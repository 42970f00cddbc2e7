"""Never in the way: how long a tick holds its host, what a host loop feels, many repos at once.

Imported by ``run.py``; each function makes its own data under ``tmp``.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import psutil
from pending import Pending, full_run_only

from reactor.backends import Backend, DocRequest, Generated, NoOp
from reactor.backends.outline import OutlineBackend
from reactor.config import DocgenConfig
from reactor.reactor import Reactor
from reactor.service import IDLE_TICKS_PER_SECOND, Service

#: Files per inode in the synthetic trees: one append changes a whole group's content at once.
GROUP = 20_000

#: What a multi-repo child prints once it has converged and timed its edit (then it only idles).
CONVERGED = "converged"


class TimedOutline(Backend):
    """The outline backend, with the time spent inside it summed (ticks are reported without)."""

    name = "outline"

    def __init__(self) -> None:
        self.inner = OutlineBackend()
        self.seconds = 0.0

    def generate(self, request: DocRequest) -> Generated | NoOp:
        started = time.perf_counter()
        try:
            return self.inner.generate(request)
        finally:
            self.seconds += time.perf_counter() - started


def linked_tree(root: Path, n: int) -> list[str]:
    """``n`` sources as hard links in groups of ``GROUP`` (inode creation is slow on this VM)."""
    rels = [f"d{i // 500}/f{i}.py" for i in range(n)]
    first = ""
    for i, rel in enumerate(rels):
        path = root / rel
        if i % 500 == 0:
            path.parent.mkdir(parents=True, exist_ok=True)
        if i % GROUP == 0:
            first = str(path)
            path.write_bytes(f'"""Group {i // GROUP}."""\n\ndef f(x):\n    return x\n'.encode())
        else:
            os.link(first, path)
    return rels


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def _tick_ms(reactor: Reactor, backend: TimedOutline) -> tuple[float, str]:
    """One tick's milliseconds, less the time inside the backend."""
    before = backend.seconds
    started = time.perf_counter()
    result = reactor.tick()
    spent = time.perf_counter() - started - (backend.seconds - before)
    return spent * 1000, result.status


def _summary(samples: list[float]) -> dict[str, float]:
    return {
        "ticks": len(samples),
        "max_ms": round(max(samples), 1),
        "p99_ms": round(_percentile(samples, 0.99), 1),
        "p50_ms": round(statistics.median(samples), 2),
    }


def bench_tick_latency(tmp: Path, sizes: list[int], steady_ticks: int) -> dict[str, Any]:
    """Longest and p99 tick during (a) a first index, (b) a 20k-file change burst, (c) steady
    state, at each size; backend time excluded. Budget: the default 50 ms."""
    config = DocgenConfig().replace(idle_after_seconds=0.0)
    out: dict[str, Any] = {"budget_ms": config.tick_budget_ms}
    for n in sizes:
        root = tmp / f"ticks{n}"
        rels = linked_tree(root, n)
        backend = TimedOutline()
        with Reactor.open(root, config=config, backend=backend, watch=False) as reactor:
            first: list[float] = []
            while reactor.scheduler.scan is not None or reactor.dirty.has_trees():
                first.append(_tick_ms(reactor, backend)[0])
            with open(root / rels[0], "a") as fh:  # one inode: GROUP files change at once
                fh.write("# changed\n")
            reactor.notify_rescan()  # as after an overflow: the burst is found by a rescan
            burst: list[float] = []
            while reactor.scheduler.scan is not None or reactor.dirty.has_trees():
                burst.append(_tick_ms(reactor, backend)[0])
            for _ in range(200):  # the burst's dirty paths and the owed lap
                burst.append(_tick_ms(reactor, backend)[0])
            steady = [_tick_ms(reactor, backend)[0] for _ in range(steady_ticks)]
        out[str(n)] = {
            "first_index": _summary(first),
            "burst": _summary(burst),
            "steady": _summary(steady),
        }
    return out


def _host_delays(seconds: float, stop_early: threading.Event | None = None) -> list[float]:
    """A host loop: every 10 ms a small fixed CPU step; returns how late each step started."""
    delays = []
    period = 0.010
    payload = b"x" * 20_000
    next_at = time.perf_counter() + period
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and not (stop_early and stop_early.is_set()):
        now = time.perf_counter()
        if now < next_at:
            time.sleep(next_at - now)
        delays.append((time.perf_counter() - next_at) * 1000)
        hashlib.sha256(payload).digest()  # the host's own small step
        next_at += period
    return delays


def bench_host_interference(tmp: Path, n: int, seconds: float) -> dict[str, Any]:
    """The host's step delay without and with a Service running the reactor in the same process
    (startup index of ``n`` files, then a 20k-file burst found by a rescan)."""
    root = tmp / "host"
    rels = linked_tree(root, n)
    alone = _host_delays(seconds)
    config = DocgenConfig().replace(idle_after_seconds=0.0, tick_seconds=0.05)
    with Reactor.open(root, config=config, watch=False) as reactor:
        service = Service([reactor])
        thread = threading.Thread(target=service.run)
        thread.start()
        try:

            def burst() -> None:
                time.sleep(seconds / 2)
                with open(root / rels[0], "a") as fh:
                    fh.write("# changed\n")
                reactor.notify_rescan()

            burster = threading.Thread(target=burst)
            burster.start()
            beside = _host_delays(seconds)
            burster.join()
            indexed = reactor.index.count()
        finally:
            service.stop()
            thread.join()

    def figures(delays: list[float]) -> dict[str, float]:
        return {
            "p50_ms": round(statistics.median(delays), 2),
            "p99_ms": round(_percentile(delays, 0.99), 2),
            "max_ms": round(max(delays), 1),
        }

    with_reactor, without = figures(beside), figures(alone)
    return {
        "files": n,
        "seconds": seconds,
        "indexed_during_run": indexed,
        "without": without,
        "with": with_reactor,
        "added_p99_ms": round(with_reactor["p99_ms"] - without["p99_ms"], 2),
        "budget_ms": config.tick_budget_ms,
    }


def bench_multi_repo(
    tmp: Path, sizes: list[int], files: int, *, quick: bool
) -> dict[str, Any] | Pending:
    """``repos`` repos of ``files`` files in one Service, for each size in ``sizes``, each in a
    fresh process (so its threads, RSS and inotify instances are its own): see
    :func:`multi_repo_child`. Idle CPU is measured once the quiet repos have backed off to
    their cap (30 s, or repos / 3 s for big hosts: ``Service.quiet_cap_seconds``), over two
    caps. The naive figure is the design before: an inotify instance and a reader thread per
    repo, which the kernel's default ``max_user_instances`` (128) stops.

    ``quick``: 5 s to settle and 5 s of idle, which the child spends in the background once it
    has converged and timed its edit (see ``pending.py``): the call returns then."""
    out: dict[str, Any] = {"files_each": files, "sizes": {}}
    children: list[tuple[int, subprocess.Popen[str], IO[str]]] = []
    try:
        for repos in sizes:
            cap = max(30.0, repos / IDLE_TICKS_PER_SECOND)
            settle, idle = (5.0, 5.0) if quick else (2 * cap + 5, 2 * cap)
            argv = [
                sys.executable,
                __file__,
                "multi-repo",
                str(tmp / f"multi{repos}"),
                str(repos),
                str(files),
                str(idle),
                str(settle),
            ]
            if not quick:
                done = subprocess.run(argv, capture_output=True, text=True, check=True)
                out["sizes"][str(repos)] = json.loads(done.stdout.splitlines()[-1])
                continue
            log = open(tmp / f"multi{repos}.log", "w+")  # noqa: SIM115 - closed in finish()
            child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, text=True)
            children.append((repos, child, log))
            assert child.stdout is not None
            if child.stdout.readline().strip() != CONVERGED:  # its busy part is over
                child.wait()
                log.seek(0)
                raise RuntimeError(f"multi-repo child failed:\n{log.read()[-2000:]}")
    except BaseException:
        for _, started, its_log in children:
            started.kill()
            started.wait()
            its_log.close()
        raise
    if not quick:
        return out

    def finish() -> dict[str, Any]:
        for repos, started, its_log in children:
            stdout, _ = started.communicate()
            its_log.seek(0)
            errors = its_log.read()
            its_log.close()
            if started.returncode != 0:
                raise RuntimeError(f"multi-repo child failed:\n{errors[-2000:]}")
            out["sizes"][str(repos)] = json.loads(stdout.splitlines()[-1])
        return out

    return Pending(finish)


def multi_repo_child(
    base: Path,
    repos: int,
    files: int,
    idle_seconds: float,
    settle_seconds: float = 65.0,
    on_converged: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Open ``repos`` reactors (watching) with ``tick_seconds = 0.01``, run one Service until
    every doc is fresh, edit a file in the last repo and time until its doc is fresh again,
    then measure the process once converged and backed off (``settle_seconds`` later: a quiet
    repo's pause doubles from 1 s to its cap): CPU over ``idle_seconds``, threads, RSS,
    inotify instances."""
    roots = []
    for r in range(repos):
        root = base / f"r{r:03}"
        root.mkdir(parents=True)
        for i in range(files):
            (root / f"m{i}.py").write_text(f"def f{i}():\n    return {i}\n")
        roots.append(root)
    config = DocgenConfig().replace(idle_after_seconds=0.0, tick_seconds=0.01, settle_seconds=0.1)
    me = psutil.Process()
    started = time.monotonic()
    reactors = [Reactor.open(root, config=config) for root in roots]
    open_s = time.monotonic() - started

    def fresh(reactor: Reactor, rel: str) -> bool:
        digest = hashlib.sha256((reactor.root / rel).read_bytes()).hexdigest()
        return reactor.docs.header(rel) == digest

    try:
        service = Service(reactors)
        thread = threading.Thread(target=service.run)
        started = time.monotonic()
        thread.start()
        try:
            give_up = time.monotonic() + 900  # a hang is reported, not waited out
            while not all(fresh(r, f"m{i}.py") for r in reactors for i in range(files)):
                if time.monotonic() > give_up:
                    raise RuntimeError(f"{repos} repos did not converge in 900 s")
                time.sleep(0.05)  # the benchmark's own poll, outside the measured work
            converged_s = time.monotonic() - started
            last = reactors[-1]
            (last.root / "m0.py").write_text("def f0():\n    return 'edited'\n")
            edited = time.monotonic()
            while not fresh(last, "m0.py"):
                if time.monotonic() > edited + 120:
                    raise RuntimeError("the edited file's doc was not refreshed in 120 s")
                time.sleep(0.01)
            edit_s = time.monotonic() - edited
            if on_converged is not None:
                on_converged()
            time.sleep(settle_seconds)  # let the loop back off to its cap
            cpu0 = me.cpu_times()
            time.sleep(idle_seconds)
            cpu1 = me.cpu_times()
            threads = me.num_threads()
            rss_mb = me.memory_info().rss / 2**20
            instances = sum(
                os.readlink(f"/proc/self/fd/{fd}") == "anon_inode:inotify"
                for fd in os.listdir("/proc/self/fd")
                if os.path.islink(f"/proc/self/fd/{fd}")
            )
        finally:
            service.stop()
            thread.join()
    finally:
        for reactor in reactors:
            reactor.close()
    cpu = (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)
    return {
        "repos": repos,
        "open_s": round(open_s, 2),
        "converged_s": round(converged_s, 2),
        "edit_fresh_s": round(edit_s, 2),
        "idle_seconds": idle_seconds,
        "idle_cpu_percent": round(cpu / idle_seconds * 100, 2),
        "threads": threads,
        "rss_mb": round(rss_mb, 1),
        "inotify_instances": instances,
    }


def table_rows(results: dict[str, Any]) -> list[str]:
    rows = []
    t = results["tick_latency"]
    for n in [k for k in t if k != "budget_ms"]:
        for phase in ("first_index", "burst", "steady"):
            f = t[n][phase]
            rows.append(
                f"| tick_latency N={int(n):,} {phase.replace('_', ' ')} | max / p99 / p50 ms "
                f"of {f['ticks']:,} ticks (backend excluded) | {f['max_ms']} / {f['p99_ms']} / "
                f"{f['p50_ms']} | budget {t['budget_ms']:g} | — |"
            )
    if results["quick"]:
        rows.append(full_run_only("tick_latency N=100,000 first index, burst, steady"))
    h = results["host_interference"]
    rows.append(
        f"| host_interference N={h['files']:,}, {h['seconds']:g} s | host step delay p50 / p99 "
        f"/ max ms | {h['with']['p50_ms']} / {h['with']['p99_ms']} / {h['with']['max_ms']} | "
        f"{h['without']['p50_ms']} / {h['without']['p99_ms']} / {h['without']['max_ms']} "
        f"(no reactor) | +{h['added_p99_ms']} ms p99 |"
    )
    w = results["watch_cost"]
    rows.append(
        f"| watch_cost {w['source_dirs']} source dirs + {w['ignored_dirs']:,} ignored | inotify "
        f"watches; CPU of a {w['ignored_dirs']:,}-file burst in the ignored tree | "
        f"{w['reactor_watches']:,} ({w['reactor_mode']}); {w['reactor_burst_cpu_s']} s | "
        f"{w['recursive_watches']:,}; {w['recursive_burst_cpu_s']} s (recursive observer) | "
        f"{'≥ ' if w['cpu_ratio_is_lower_bound'] else ''}{w['cpu_ratio']}× less CPU |"
    )
    m = results["multi_repo"]
    for repos, r in m["sizes"].items():
        naive = (
            "fails: 128 instances" if int(repos) > 125 else f"{repos} instances, {repos} threads"
        )
        rows.append(
            f"| multi_repo {int(repos):,} × {m['files_each']} files | open s, converged s, edit "
            f"→ fresh s, idle CPU % ({r['idle_seconds']:g} s), threads, RSS MB, inotify "
            f"instances | {r['open_s']}, {r['converged_s']}, {r['edit_fresh_s']}, "
            f"{r['idle_cpu_percent']} %, {r['threads']}, {r['rss_mb']}, {r['inotify_instances']} "
            f"| {naive} (an instance per repo) | {int(repos)}× fewer instances |"
        )
    if results["quick"]:
        rows += [
            full_run_only(f"multi_repo {repos} × {m['files_each']} files") for repos in (200, 500)
        ]
    return rows


WRITER = """
import os, sys
root, dirs = sys.argv[1], int(sys.argv[2])
for i in range(dirs):
    fd = os.open(f"{root}/node_modules/p{i}/index.js", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.write(fd, b"module.exports = 1;\\n")
    os.close(fd)
"""


def _watch_burst(root: Path, dirs: int, watcher_cpu: Callable[[], float]) -> float:
    """CPU the watching side spends while another process writes one file in each ignored dir."""
    before = watcher_cpu()
    subprocess.run([sys.executable, "-c", WRITER, str(root), str(dirs)], check=True)
    # let the event thread drain what the kernel queued: until it has used no CPU for 0.5 s
    cpu, quiet_since, give_up = watcher_cpu(), time.monotonic(), time.monotonic() + 30
    while time.monotonic() - quiet_since < 0.5 and time.monotonic() < give_up:
        time.sleep(0.1)
        if (now := watcher_cpu()) != cpu:
            cpu, quiet_since = now, time.monotonic()
    return cpu - before


def bench_watch_cost(tmp: Path, ignored_dirs: int) -> dict[str, Any]:
    """200 source dirs and a gitignored ``node_modules`` of ``ignored_dirs`` dirs: the watches
    held and the CPU of a burst inside the ignored tree, the reactor's per-directory watcher
    against watchdog's recursive observer (what the reactor used before), in one run."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    from reactor.dirty import DirtySet
    from reactor.policy import SourcePolicy
    from reactor.watcher import Watcher

    root = tmp / "watchcost"
    for i in range(200):
        path = root / f"src/m{i}/mod.py"
        path.parent.mkdir(parents=True)
        path.write_text(f"X = {i}\n")
    for i in range(ignored_dirs):
        (root / f"node_modules/p{i}").mkdir(parents=True)
    (root / ".gitignore").write_text("node_modules/\n")
    policy = SourcePolicy(root, DocgenConfig())
    me = psutil.Process()
    main = threading.get_native_id()

    def threads_cpu() -> float:  # every thread but the benchmark's own
        return sum(t.user_time + t.system_time for t in me.threads() if t.id != main)

    out: dict[str, Any] = {"source_dirs": 201, "ignored_dirs": ignored_dirs}
    watcher = Watcher(policy, DirtySet())
    watcher.start()
    try:
        out["reactor_watches"] = _inotify_watches()
        out["reactor_mode"] = watcher.mode
        out["reactor_burst_cpu_s"] = round(_watch_burst(root, ignored_dirs, threads_cpu), 3)
    finally:
        watcher.stop()

    class Recursive(FileSystemEventHandler):
        """The old handler's work per event: make it repo-relative, ask the policy."""

        def dispatch(self, event: FileSystemEvent) -> None:
            path = os.fsdecode(event.src_path)
            policy.reason_to_skip(os.path.relpath(path, root))

    observer = Observer()
    observer.schedule(Recursive(), str(root), recursive=True)
    observer.start()
    try:
        out["recursive_watches"] = _inotify_watches()
        out["recursive_burst_cpu_s"] = round(_watch_burst(root, ignored_dirs, threads_cpu), 3)
    finally:
        observer.stop()
        observer.join()
    # psutil's CPU times tick in 10 ms: below that the ratio is a lower bound
    out["cpu_ratio"] = round(out["recursive_burst_cpu_s"] / max(out["reactor_burst_cpu_s"], 0.01))
    out["cpu_ratio_is_lower_bound"] = out["reactor_burst_cpu_s"] < 0.01
    return out


def _inotify_watches() -> int:
    """Inotify watches this process holds (every instance), from ``/proc/self/fdinfo``."""
    total = 0
    for fd in os.listdir("/proc/self/fdinfo"):
        try:
            with open(f"/proc/self/fdinfo/{fd}") as fh:
                total += sum(1 for line in fh if line.startswith("inotify wd:"))
        except OSError:
            continue
    return total


if __name__ == "__main__" and sys.argv[1:2] == ["multi-repo"]:
    _, _, base, n, per_repo, idle, settle = sys.argv
    figures = multi_repo_child(
        Path(base),
        int(n),
        int(per_repo),
        float(idle),
        float(settle),
        on_converged=lambda: print(CONVERGED, flush=True),
    )
    print(json.dumps(figures))
