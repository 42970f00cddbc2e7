"""Fresh means true, at what cost: branch flips served from the doc cache, and the ripple of one
signature change through its importers.

Imported by ``run.py``; each function makes its own data under ``tmp``.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
from pending import wait_quiet

from reactor.backends.outline import OutlineBackend
from reactor.config import DocgenConfig, ShellConfig
from reactor.reactor import Reactor

#: A shell backend that counts its calls: the doc is cheap, the call is what is counted.
COUNTING_SCRIPT = """\
import json, sys
req = json.load(sys.stdin)
with open({log!r}, "a") as log:
    log.write(req["relative_path"] + "\\n")
print("SHA256: " + req["file_sha256"])
print()
print("# " + req["relative_path"])
"""


def _module(i: int, variant: str) -> str:
    """Module ``i`` imports the one before it; branch ``b`` changes a signature."""
    args = "x, y" if variant == "b" else "x"
    head = f"from m{i - 1} import f{i - 1}\n\n\n" if i else ""
    return f"{head}def f{i}({args}):\n    return {args.replace(', ', ' + ')}\n"


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def _all_fresh(root: Path, rels: list[str]) -> bool:
    for rel in rels:
        digest = hashlib.sha256((root / rel).read_bytes()).hexdigest()
        try:
            with open(root / "DOCS/REPODOCS" / f"{rel}.md", "rb") as fh:
                if fh.read(72)[8:72].decode() != digest:
                    return False
        except OSError:
            return False
    return True


def _tail(log: Path, lines: int = 20) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def bench_branch_flip(tmp: Path, files: int, changed: int, flips: int) -> dict[str, Any]:
    """A git repo of ``files`` modules and two branches differing in ``changed`` of them, under
    ``reactor watch`` with a counting shell backend: ``flips`` checkouts back and forth, the
    backend calls and the seconds to every doc fresh after each."""
    root = tmp / "flip"
    root.mkdir()
    log = tmp / "flip-calls.log"
    rels = [f"m{i}.py" for i in range(files)]
    for i, rel in enumerate(rels):
        (root / rel).write_text(_module(i, "a"))
    (root / ".gitignore").write_text("DOCS/\n.llmc/\ntools/\n")
    (root / "tools").mkdir()
    (root / "tools/count.py").write_text(COUNTING_SCRIPT.format(log=str(log)))
    (root / "llmc.toml").write_text(
        "[docs.docgen]\nbackend = 'shell'\nidle_after_seconds = 0\nsettle_seconds = 0.1\n"
        "tick_seconds = 0.1\n[docs.docgen.shell]\nscript = 'tools/count.py'\n"
    )
    _git(root, "init", "-q", "-b", "a")
    _git(root, "-c", "user.name=b", "-c", "user.email=b@example.invalid", "add", "-A")
    _git(root, "-c", "user.name=b", "-c", "user.email=b@example.invalid", "commit", "-qm", "a")
    _git(root, "checkout", "-q", "-b", "b")
    for i in range(0, files, files // changed)[:changed]:
        (root / rels[i]).write_text(_module(i, "b"))
    _git(root, "-c", "user.name=b", "-c", "user.email=b@example.invalid", "commit", "-qam", "b")
    _git(root, "checkout", "-q", "a")

    def calls() -> int:
        return len(log.read_text().splitlines()) if log.exists() else 0

    # the first build by `generate --all` (one backend call per file, as under watch, without
    # waiting a tick for each; two at once), then the watch that the flips are measured under
    subprocess.run(
        [
            sys.executable,
            "-m",
            "reactor.cli",
            "generate",
            "--all",
            "--jobs",
            "2",
            "--repo",
            str(root),
        ],
        check=True,
        capture_output=True,
    )
    watch_log = tmp / "flip-watch.log"  # its tail goes into the error when a flip hangs
    with open(watch_log, "wb") as sink:
        watch = subprocess.Popen(
            [sys.executable, "-m", "reactor.cli", "watch", str(root)],
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    started = time.monotonic()
    out: dict[str, Any] = {"files": files, "changed": changed, "flips": []}
    try:
        # a hang is reported, not waited out: far beyond a backend call and a tick per file
        give_up = max(120.0, 2.0 * files)
        while not _all_fresh(root, rels):
            if watch.poll() is not None or time.monotonic() - started > give_up:
                raise RuntimeError(
                    f"the first build's docs not all fresh under watch\n{_tail(watch_log)}"
                )
            time.sleep(0.05)  # the benchmark's own poll
        out["first_build_calls"] = calls()
        # the watch's own start (index refresh, inotify watches) is over before the first flip
        wait_quiet(psutil.Process(watch.pid), until=time.monotonic() + 30)
        branch = "a"
        for _ in range(flips):
            branch = "b" if branch == "a" else "a"
            before = calls()
            started = time.monotonic()
            _git(root, "checkout", "-q", branch)
            while not _all_fresh(root, rels):
                if watch.poll() is not None or time.monotonic() - started > give_up:
                    raise RuntimeError(
                        f"flip {len(out['flips']) + 1} to {branch}: docs not all fresh after "
                        f"{time.monotonic() - started:.0f} s ({calls() - before} backend calls)"
                        f"\n{_tail(watch_log)}"
                    )
                time.sleep(0.02)
            out["flips"].append(
                {"seconds": round(time.monotonic() - started, 2), "calls": calls() - before}
            )
    finally:
        watch.terminate()
        watch.wait(timeout=30)
    later = out["flips"][2:]
    out["calls_after_two_flips"] = sum(f["calls"] for f in later)
    out["slowest_later_flip_s"] = max(f["seconds"] for f in later)
    out["first_flip_s"] = out["flips"][0]["seconds"]
    return out


def bench_ripple(tmp: Path, importers: int) -> dict[str, Any]:
    """One signature change in a module ``importers`` files import: the outdated docs it makes,
    the ticks to all fresh with the outline backend, and the calls a shell backend makes in the
    first (simulated) minute at ``refresh_outdated_per_hour = 60``."""
    out: dict[str, Any] = {"importers": importers}
    for label, make_backend in (("outline", OutlineBackend), ("shell", None)):
        root = tmp / f"ripple-{label}"
        root.mkdir()
        (root / "core.py").write_text("def api(x):\n    return x\n")
        for i in range(importers):
            (root / f"user{i}.py").write_text(f"from core import api\n\nV{i} = api({i})\n")
        log = tmp / f"ripple-{label}.log"
        clock = _Clock()
        changes: dict[str, Any] = {"idle_after_seconds": 0.0, "settle_seconds": 0.1}
        if make_backend is None:
            (root / "count.py").write_text(COUNTING_SCRIPT.format(log=str(log)))
            changes |= {
                "backend": "shell",
                "refresh_outdated_per_hour": 60.0,
                "exclude": ["count.py"],
            }
            changes["shell"] = ShellConfig(script="count.py")
        config = DocgenConfig().replace(**changes)
        backend = make_backend() if make_backend is not None else None
        with Reactor.open(root, config=config, clock=clock, backend=backend, watch=False) as r:
            _settle(r, clock, until=lambda: False)
            calls_before = len(log.read_text().splitlines()) if log.exists() else 0
            (root / "core.py").write_text("def api(x, y=0):\n    return x + y\n")
            r.notify(["core.py"])
            started = clock()
            if label == "outline":
                r.status()  # counts after the regraph
                out["outdated"] = r.status(refresh_index=False).outdated
                ticks = _settle(r, clock, until=lambda: r.status(refresh_index=False).outdated == 0)
                out["outline_ticks_to_fresh"] = ticks
                out["outline_simulated_s"] = round(clock() - started, 2)
            else:
                minute = started + 60
                _settle(r, clock, until=lambda: clock.now >= minute)  # noqa: B023 - called here
                calls = len(log.read_text().splitlines()) - calls_before
                out["shell_calls_first_minute"] = calls
    return out


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _settle(reactor: Reactor, clock: _Clock, *, until: Any, limit: int = 100_000) -> int:
    """Tick, jumping the fake clock to each due time, until ``until()`` or nothing is due."""
    for ticks in range(1, limit):
        if until():
            return ticks - 1
        if not reactor.tick().work_done:
            due = reactor.seconds_until_due()
            if due is None:
                return ticks
            clock.now += max(due, 0.01)
    raise AssertionError("never settled")


def table_rows(results: dict[str, Any]) -> list[str]:
    f = results["branch_flip"]
    times = " / ".join(f"{x['seconds']}" for x in f["flips"])
    rows = [
        f"| branch_flip {f['files']} files, {f['changed']} differ, {len(f['flips'])} flips "
        f"| backend calls after the first two flips; seconds to all fresh per flip | "
        f"{f['calls_after_two_flips']}; {times} | first flip {f['first_flip_s']} s, "
        f"{f['flips'][0]['calls']} calls | "
        f"{round(f['first_flip_s'] / max(f['slowest_later_flip_s'], 0.01), 1)}× faster |"
    ]
    p = results["ripple"]
    rows.append(
        f"| ripple 1 signature, {p['importers']} importers | outdated docs; outline ticks to "
        f"all fresh; shell calls in the first minute at 60/hour | {p['outdated']}; "
        f"{p['outline_ticks_to_fresh']} ticks ({p['outline_simulated_s']} s simulated); "
        f"{p['shell_calls_first_minute']} | ≤ 60 calls | — |"
    )
    return rows
