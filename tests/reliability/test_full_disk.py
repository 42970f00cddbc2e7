"""A full disk never locks the daemon out: every failure between taking and recording the docgen
lock releases it, disk errors are reported once and retried, and the next edit after space comes
back is documented without a restart."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FakeBackend, FakeClock, doc_header, sha256_of, wait_until, write
from reactor import lock as lock_module
from reactor.lock import DOCGEN_LOCK, FileLock
from reactor.reactor import Reactor

MakeReactor = Callable[..., Reactor]


def enospc(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_failed_pid_note_does_not_leak_the_lock(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lock_module.os, "pwrite", enospc)
    monkeypatch.setattr(lock_module.os, "ftruncate", enospc)
    first = FileLock.for_repo(repo, DOCGEN_LOCK)
    first.acquire()  # the flock is taken; only the note of who holds it is lost
    assert first.held
    first.release()
    monkeypatch.undo()
    second = FileLock.for_repo(repo, DOCGEN_LOCK)
    second.acquire()  # nothing leaked: a fresh lock gets it at once
    second.release()


def test_injected_enospc_at_every_write_then_space_again(
    make_reactor: MakeReactor, repo: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    reactor = make_reactor()
    while reactor.tick().work_done:
        pass
    write(repo, "pkg/util.py", "def helper(x):\n    return x * 2\n")
    reactor.notify(["pkg/util.py"])
    clock.advance(1)
    for module in ("pwrite", "write", "ftruncate", "fsync", "replace"):
        monkeypatch.setattr(os, module, enospc)  # every write the reactor makes itself
    results = [reactor.tick() for _ in range(5)]
    assert all(not r.work_done or r.status == "failed" for r in results)
    assert doc_header(repo, "pkg/util.py") != f"SHA256: {sha256_of(repo / 'pkg/util.py')}"
    monkeypatch.undo()  # space again
    write(repo, "pkg/util.py", "def helper(x):\n    return x * 3\n")  # the next edit
    reactor.notify(["pkg/util.py"])
    clock.advance(1)
    for _ in range(10):
        if reactor.tick().status == "generated":
            break
    assert doc_header(repo, "pkg/util.py") == f"SHA256: {sha256_of(repo / 'pkg/util.py')}"
    assert not reactor.lock.held  # released after every tick, failed or not


def fill(path: Path) -> None:
    """Write until the filesystem says it is full."""
    with open(path, "wb", buffering=0) as fh:  # unbuffered: closing has nothing left to flush
        chunk = b"\0" * 65536
        try:
            while True:
                fh.write(chunk)
                fh.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


@pytest.mark.timeout(180)
def test_a_real_full_disk_under_a_running_watch(small_fs: Path) -> None:
    repo = small_fs / "repo"
    write(repo, "a.py", "A = 1\n")
    write(repo, "b.py", "B = 1\n")
    write(
        repo,
        "llmc.toml",
        "[docs.docgen]\nidle_after_seconds = 0\nsettle_seconds = 0.1\ntick_seconds = 0.05\n",
    )
    cmd = [sys.executable, "-m", "reactor.cli", "watch", str(repo)]
    lines: list[str] = []
    with subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stderr is not None
        reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)  # type: ignore[arg-type]
        reader.start()
        try:
            wait_until(lambda: doc_header(repo, "b.py") is not None, what="the first docs")
            filler = small_fs / "filler"
            fill(filler)
            (repo / "a.py").write_text("A = 2\n")  # an edit while the disk is full
            wait_until(
                lambda: any("No space left" in x or "disk is full" in x for x in lines),
                what="the daemon to meet the full disk",
            )
            filler.unlink()  # space again
            (repo / "a.py").write_text("A = 3\n")  # the next edit
            wait_until(
                lambda: doc_header(repo, "a.py") == f"SHA256: {sha256_of(repo / 'a.py')}",
                timeout=120,
                what="the edit after the disk was freed",
            )
            assert proc.poll() is None  # still running: never crashed, never locked out
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            reader.join(timeout=10)
    err = "".join(lines)
    assert "Traceback" not in err, err
    assert "is held" not in err  # no self-inflicted lock-out


def test_a_disk_full_for_long_is_no_backend_failure_and_retried_when_it_takes_writes(
    make_reactor: MakeReactor,
    repo: Path,
    clock: FakeClock,
    backend: FakeBackend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Full for an hour: one backend call (the one whose write failed), no give-up, no retry
    time in the past, and the doc written within one retry of the disk taking writes again."""
    from reactor.docs import DocStore
    from reactor.scheduler import DISK_RETRY_SECONDS, MAX_ATTEMPTS_PER_HASH

    reactor = make_reactor()
    while reactor.tick().work_done:
        pass
    write(repo, "pkg/util.py", "def helper(x):\n    return x * 2\n")
    reactor.notify(["pkg/util.py"])
    clock.advance(1)
    backend.requests.clear()
    monkeypatch.setattr(DocStore, "write", enospc)
    monkeypatch.setattr(DocStore, "probe_write", lambda self: OSError(errno.ENOSPC, "full"))
    for _ in range(720):  # an hour of ticks, five seconds apart
        reactor.tick()
        clock.advance(5)
    assert backend.paths == ["pkg/util.py"]  # the disk was probed before every other try
    row = reactor.index.get("pkg/util.py")
    assert row is not None and row.failures < MAX_ATTEMPTS_PER_HASH  # never given up on
    assert (row.last_result or "").startswith("disk: the disk refuses writes")
    monkeypatch.undo()  # space again
    clock.advance(DISK_RETRY_SECONDS)
    statuses = [reactor.tick().status for _ in range(10)]  # (the hourly rescan's slices too)
    assert "generated" in statuses and backend.paths.count("pkg/util.py") == 2
    assert doc_header(repo, "pkg/util.py") == f"SHA256: {sha256_of(repo / 'pkg/util.py')}"
