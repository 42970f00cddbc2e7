"""Event storms from another process: 20k changes in a few seconds, and a real queue overflow."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from conftest import FakeBackend, write
from reactor.config import DocgenConfig
from reactor.reactor import Reactor

QUEUE_LIMIT = Path("/proc/sys/fs/inotify/max_queued_events")

WRITER = """
import os, sys
root, files, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for r in range(1, rounds + 1):
    for i in range(files):
        fd = os.open(f"{root}/s{i % 20}/f{i}.py", os.O_WRONLY | os.O_TRUNC)
        os.write(fd, f"V = {r}\\n".encode())
        os.close(fd)
"""


def make_tree(repo: Path, files: int) -> list[str]:
    paths = [f"s{i % 20}/f{i}.py" for i in range(files)]
    for rel in paths:
        write(repo, rel, "V = 0\n")
    return paths


def all_fresh(reactor: Reactor, paths: list[str]) -> bool:
    for rel in paths:
        digest = hashlib.sha256((reactor.root / rel).read_bytes()).hexdigest()
        if reactor.docs.header(rel) != digest:
            return False
    return True


def storm(reactor: Reactor, paths: list[str], rounds: int) -> None:
    """Run the writer process while ticking like a host loop, until every doc is fresh."""
    wake = threading.Event()
    reactor.dirty.add_listener(wake.set)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(reactor.root), str(len(paths)), str(rounds)]
    )
    deadline = time.monotonic() + 90  # a safety net against a hang, not a speed requirement
    while True:
        assert time.monotonic() < deadline, "the storm never converged"
        if not reactor.tick().work_done:
            if writer.poll() is not None and all_fresh(reactor, paths):  # checked when idle
                break
            wake.wait(0.05)
            wake.clear()
    assert writer.returncode == 0


@pytest.mark.timeout(120)
def test_20k_changes_all_end_fresh_with_bounded_memory(
    tmp_path: Path, backend: FakeBackend
) -> None:
    repo = tmp_path / "repo"
    paths = make_tree(repo, 1000)
    config = DocgenConfig().replace(idle_after_seconds=0.0, settle_seconds=0.2)
    with Reactor.open(repo, config=config, backend=backend) as reactor:
        reactor.refresh_index()
        rss_before = psutil.Process().memory_info().rss
        storm(reactor, paths, rounds=20)  # 1,000 files x 20 rewrites = 20,000 changes
        rss_growth = (psutil.Process().memory_info().rss - rss_before) / 2**20
        assert reactor.dirty.high_water <= reactor.dirty.max_entries
        assert rss_growth < 100, f"RSS grew {rss_growth:.0f} MB"
        assert len(backend.requests) < 1000 * 4  # settling coalesces: not once per change


@pytest.mark.timeout(120)
def test_real_inotify_overflow_loses_no_change(tmp_path: Path, backend: FakeBackend) -> None:
    if not QUEUE_LIMIT.exists():
        pytest.skip("no inotify on this system")
    try:
        original = QUEUE_LIMIT.read_text()
        QUEUE_LIMIT.write_text("32\n")  # 64 overflowed only sometimes on 1,000 files
    except OSError:
        pytest.skip("lowering fs.inotify.max_queued_events needs root")
    repo = tmp_path / "repo"
    paths = make_tree(repo, 1000)
    config = DocgenConfig().replace(idle_after_seconds=0.0, settle_seconds=0.2)
    try:
        reactor = Reactor.open(repo, config=config, backend=backend)  # its queue is sized now
    finally:
        QUEUE_LIMIT.write_text(original)
    with reactor:
        reactor.refresh_index()
        storm(reactor, paths, rounds=1)
        assert reactor.watcher is not None and reactor.watcher.overflows >= 1
