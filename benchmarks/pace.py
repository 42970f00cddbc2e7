"""Pace: how long `reactor watch` with default settings takes to document a new repo of N files
with the built-in outline, and the CPU share it uses meanwhile (issue 32: a cheap backend ticks
back to back within `cheap_cpu_percent` of one core, so 200,000 files converge in minutes).

    python benchmarks/pace.py --files 200000 [--json PATH]

A generated Python tree (each module imports another and declares a function and a class) is
documented by a real `reactor watch` process; the figure is the wall time from its start until
every file's doc is fresh (its own progress line says "all N docs fresh"), and the process's
CPU time (user + system) over that wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil


def make_tree(root: Path, files: int) -> None:
    dirs = max(1, files // 100)
    for i in range(files):
        d = root / f"pkg{i % dirs}"
        d.mkdir(parents=True, exist_ok=True)
        j = (i * 7 + 3) % files
        (d / f"m{i}.py").write_text(
            f'"""Module {i}."""\nfrom pkg{j % dirs}.m{j} import f{j}\n\n\n'
            f'def f{i}(x: int, y: str = "a") -> int:\n    """Do {i}."""\n    return x + {i}\n\n\n'
            f"class C{i}:\n    def method(self) -> None:\n        pass\n"
        )
    subprocess.run(["git", "init", "-q", str(root)], check=True)


def watch_until_fresh(
    root: Path, files: int, *, timeout: float | None = None, echo: bool = False
) -> tuple[float | None, float]:
    """Run `reactor watch` on ``root`` until its own progress line says all ``files`` docs
    are fresh: the seconds from its start (``None`` past ``timeout``) and the CPU seconds
    (user + system) it used meanwhile. ``echo``: its progress lines to our stderr."""
    done = threading.Event()
    converged = f"all {files:,} docs fresh"
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "reactor.cli", "watch", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    watched = psutil.Process(proc.pid)
    assert proc.stderr is not None
    stderr = proc.stderr

    def read() -> None:
        for line in stderr:
            if echo and "fresh" in line and "Generated" not in line:
                print(line.rstrip(), file=sys.stderr)
            if converged in line:
                done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        fresh = done.wait(timeout)
        elapsed = time.monotonic() - started
        cpu = watched.cpu_times()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        reader.join(timeout=10)
    return (elapsed if fresh else None), cpu.user + cpu.system


def measure(files: int) -> dict[str, float]:
    base = Path(tempfile.mkdtemp(prefix="reactor-pace-"))
    try:
        root = base / "repo"
        make_tree(root, files)
        elapsed, cpu_seconds = watch_until_fresh(root, files, echo=True)
        assert elapsed is not None  # (no timeout: waits as long as convergence takes)
        return {
            "files": files,
            "converged_seconds": round(elapsed, 1),
            "cpu_seconds": round(cpu_seconds, 1),
            "cpu_share_percent": round(100 * cpu_seconds / elapsed, 1),
            "files_per_second": round(files / elapsed, 1),
            "cpu_ms_per_file": round(1000 * cpu_seconds / files, 2),
        }
    finally:
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = measure(args.files)
    result["load_average_1m"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
