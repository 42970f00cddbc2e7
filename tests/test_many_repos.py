"""Hundreds of repos in one process: one inotify instance and one reader thread for all of them;
when the kernel has no instance (or watch) left, a repo falls back to polling instead of failing
to open, says why once, and `status` shows it."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FakeBackend, write
from reactor import inotify
from reactor.config import DocgenConfig
from reactor.reactor import Reactor
from reactor.service import Service

FILES = 5


def inotify_instances() -> int:
    """inotify instances this process holds (its fds on anon_inode:inotify)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}") == "anon_inode:inotify"
        except OSError:
            continue
    return count


def make_repos(base: Path, n: int) -> list[Path]:
    roots = []
    for r in range(n):
        root = base / f"r{r:03}"
        for i in range(FILES):
            write(root, f"m{i}.py", f"def f{i}():\n    return {i}\n")
        roots.append(root)
    return roots


def fresh(reactor: Reactor, rel: str) -> bool:
    digest = hashlib.sha256((reactor.root / rel).read_bytes()).hexdigest()
    return reactor.docs.header(rel) == digest


def wait_for(condition: Callable[[], bool], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)  # the poll interval of a state wait


@pytest.mark.timeout(240)
def test_two_hundred_repos_share_one_instance_and_one_thread(tmp_path: Path) -> None:
    config = DocgenConfig().replace(idle_after_seconds=0.0, settle_seconds=0.05, tick_seconds=0.01)
    roots = make_repos(tmp_path, 200)
    instances_before, threads_before = inotify_instances(), threading.active_count()
    reactors: list[Reactor] = []
    service = None
    thread = None
    try:
        for i, root in enumerate(roots):
            reactors.append(Reactor.open(root, config=config, backend=FakeBackend()))
            if i == 9:
                threads_at_10 = threading.active_count()
        assert all(r.watcher is not None and r.watcher.mode == "native" for r in reactors)
        assert inotify_instances() - instances_before == 1
        assert threading.active_count() == threads_at_10  # repos 11 to 200 added no thread
        assert threading.active_count() - threads_before == 1  # the hub's reader
        service = Service(reactors)
        thread = threading.Thread(target=service.run)
        thread.start()
        wait_for(lambda: all(fresh(r, f"m{i}.py") for r in reactors for i in range(FILES)))
        last = reactors[-1]
        write(last.root, "m0.py", "def f0():\n    return 'edited'\n")
        wait_for(lambda: fresh(last, "m0.py"), timeout=60)
    finally:
        if service is not None and thread is not None:
            service.stop()
            thread.join(timeout=30)
        for reactor in reactors:
            reactor.close()
    assert inotify_instances() == instances_before  # the last watcher closed it


@pytest.mark.timeout(120)
def test_no_instance_left_falls_back_to_polling_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_instance_left(self: inotify.Hub) -> None:
        raise OSError(errno.EMFILE, "inotify instance limit reached")

    monkeypatch.setattr(inotify.Hub, "__init__", no_instance_left)
    caplog.set_level(logging.WARNING, logger="reactor")
    config = DocgenConfig().replace(idle_after_seconds=0.0, settle_seconds=0.05, tick_seconds=0.01)
    roots = make_repos(tmp_path, 12)
    reactors: list[Reactor] = []
    service = None
    thread = None
    try:
        for root in roots:  # opening never raises for the kernel's limit
            reactors.append(Reactor.open(root, config=config, backend=FakeBackend()))
        assert all(r.watcher is not None and r.watcher.mode == "polling" for r in reactors)
        warnings = [m for m in caplog.messages if "native file watching unavailable" in m]
        assert len(warnings) == 12  # one per repo, each naming the limit and the fix
        assert all("fs.inotify.max_user_instances" in m and "sysctl" in m for m in warnings)
        watch = reactors[0].status(refresh_index=False).extra["watch"]
        assert watch["mode"] == "polling" and "max_user_instances" in watch["fallback"]
        service = Service(reactors)
        thread = threading.Thread(target=service.run)
        thread.start()
        wait_for(lambda: all(fresh(r, f"m{i}.py") for r in reactors for i in range(FILES)))
        last = reactors[-1]
        write(last.root, "m4.py", "def f4():\n    return 'edited'\n")
        wait_for(lambda: fresh(last, "m4.py"), timeout=60)  # found by polling
    finally:
        if service is not None and thread is not None:
            service.stop()
            thread.join(timeout=30)
        for reactor in reactors:
            reactor.close()


def test_a_low_open_file_limit_does_not_stop_a_big_host(tmp_path: Path) -> None:
    """Linux's usual soft limit (1,024 descriptors) would fail the 340th repo: each holds 3.
    Here a soft limit of 200 would fail the ~60th; the reactor lifts it to the hard limit."""
    import subprocess
    import sys

    make_repos(tmp_path, 150)
    code = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (200, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))\n"
        "from reactor.reactor import Reactor\n"
        "rs = [Reactor.open(p, watch=False) for p in sorted(Path(sys.argv[1]).iterdir())]\n"
        "print(len(rs), resource.getrlimit(resource.RLIMIT_NOFILE)[0])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    opened, soft = (int(x) for x in done.stdout.split())
    assert opened == 150 and soft > 200
