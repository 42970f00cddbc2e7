"""Reactor.tick with a fake clock and a fake backend: the opportunistic algorithm."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FakeBackend, FakeClock, doc_header, sha256_of, write
from reactor.lock import DOCGEN_LOCK, LLMC_BATCH_LOCK, FileLock
from reactor.reactor import Reactor
from reactor.scheduler import DELETE_GRACE_SECONDS, MAX_ATTEMPTS_PER_HASH

MakeReactor = Callable[..., Reactor]


def drain(reactor: Reactor, limit: int = 100) -> list[str]:
    """Tick until a tick does no work; the statuses of the ticks that did."""
    done = []
    for _ in range(limit):
        result = reactor.tick()
        if not result.work_done:
            return done
        done.append(result.status)
    raise AssertionError("reactor never went quiet")


def test_first_tick_indexes_then_one_file_per_tick(
    make_reactor: MakeReactor, repo: Path, backend: FakeBackend
) -> None:
    reactor = make_reactor()
    assert reactor.tick().status == "rescanned"
    for expected in (1, 2, 3):
        result = reactor.tick()
        assert result.work_done and result.status == "generated"
        assert len(backend.requests) == expected  # exactly one generation per tick
    result = reactor.tick()
    assert not result.work_done and result.status == "idle"
    for rel in ("pkg/__init__.py", "pkg/util.py", "main.c"):
        assert doc_header(repo, rel) == f"SHA256: {sha256_of(repo / rel)}"
    assert ".env" not in backend.paths and "blob.py" not in backend.paths


def test_busy_host_holds_docgen_off_and_ticks_never_touch_last_work(
    make_reactor: MakeReactor, clock: FakeClock, backend: FakeBackend
) -> None:
    reactor = make_reactor()
    reactor.note_work()
    for _ in range(50):
        clock.advance(0.2)
        reactor.note_work()
        assert reactor.tick().status == "busy"
    assert backend.requests == []
    last = reactor.idle.last_work
    clock.advance(10)
    drain(reactor)
    assert reactor.idle.last_work == last
    assert len(backend.requests) == 3


def test_normal_priority_ticks_while_busy(make_reactor: MakeReactor) -> None:
    reactor = make_reactor(daemon_priority="normal")
    reactor.note_work()
    assert reactor.tick().work_done


def test_disabled_modes(make_reactor: MakeReactor) -> None:
    assert make_reactor(enabled=False).tick().status == "disabled"
    assert make_reactor(daemon_enabled=False).tick().status == "disabled"


def test_dirty_first_and_settle(
    make_reactor: MakeReactor, repo: Path, clock: FakeClock, backend: FakeBackend
) -> None:
    reactor = make_reactor()
    drain(reactor)
    write(repo, "pkg/util.py", "def helper(x):\n    return 2 * x\n")
    write(repo, "zzz.py", "Z = 1\n")
    (repo / "DOCS/REPODOCS/main.c.md").unlink()  # stale too, but not dirty
    reactor.dirty.add("zzz.py")
    reactor.dirty.add("pkg/util.py")
    backend.requests.clear()
    clock.advance(0.4)
    first = reactor.tick()  # nothing settled: the sampler serves a stale file not being written
    assert first.path == "main.c"
    assert reactor.tick().status == "idle"  # pkg/util.py is stale but still settling
    clock.advance(0.1)
    assert [reactor.tick().path, reactor.tick().path] == ["zzz.py", "pkg/util.py"]


def test_touch_and_checkout_back_and_forth_cause_no_generation(
    make_reactor: MakeReactor, repo: Path, clock: FakeClock, backend: FakeBackend
) -> None:
    reactor = make_reactor()
    drain(reactor)
    backend.requests.clear()
    util = repo / "pkg/util.py"
    os.utime(util, ns=(5, 5))
    original = util.read_text()
    util.write_text("changed on another branch\n")
    util.write_text(original)
    reactor.dirty.add("pkg/util.py")
    clock.advance(1)
    assert drain(reactor) == []
    assert backend.requests == []
    assert len(reactor.dirty) == 0


def test_delete_removes_orphan_doc_and_rename_moves_it(
    make_reactor: MakeReactor, repo: Path, clock: FakeClock, backend: FakeBackend
) -> None:
    reactor = make_reactor()
    drain(reactor)
    backend.requests.clear()
    (repo / "main.c").unlink()
    reactor.dirty.add("main.c")
    (repo / "pkg/util.py").rename(repo / "pkg/helpers.py")
    reactor.dirty.add("pkg/helpers.py", moved_from="pkg/util.py")
    reactor.dirty.add("pkg/util.py")
    clock.advance(DELETE_GRACE_SECONDS)
    statuses = drain(reactor)
    assert statuses == ["moved", "removed"]  # existing paths first, then deletions
    docs = repo / "DOCS/REPODOCS"
    assert not (docs / "main.c.md").exists()
    assert not (docs / "pkg/util.py.md").exists()
    assert doc_header(repo, "pkg/helpers.py") == f"SHA256: {sha256_of(repo / 'pkg/helpers.py')}"
    assert backend.requests == []  # moved, not regenerated


def test_rename_reported_as_delete_plus_create_still_moves_the_doc(
    make_reactor: MakeReactor, repo: Path, clock: FakeClock, backend: FakeBackend
) -> None:
    reactor = make_reactor()
    drain(reactor)
    backend.requests.clear()
    (repo / "pkg/util.py").rename(repo / "pkg/renamed.py")
    reactor.dirty.add("pkg/util.py")  # the delete arrives first
    reactor.dirty.add("pkg/renamed.py")
    clock.advance(1)
    assert drain(reactor) == ["moved"]
    assert backend.requests == []
    assert doc_header(repo, "pkg/renamed.py") == f"SHA256: {sha256_of(repo / 'pkg/renamed.py')}"
    assert not (repo / "DOCS/REPODOCS/pkg/util.py.md").exists()


def test_sampler_heals_changes_no_event_reported(
    make_reactor: MakeReactor, repo: Path, clock: FakeClock, backend: FakeBackend
) -> None:
    reactor = make_reactor()
    drain(reactor)
    backend.requests.clear()
    write(repo, "main.c", "int main(void) { return 7; }\n")  # an event lost in an overflow
    (repo / "pkg/__init__.py").unlink()
    assert drain(reactor) == ["generated"]
    assert "pkg/__init__.py" in reactor.dirty  # a vanished file goes through the dirty path
    clock.advance(1)
    assert drain(reactor) == []  # a deletion waits out the grace period (half a rename?)
    clock.advance(DELETE_GRACE_SECONDS)
    assert drain(reactor) == ["removed"]
    assert backend.paths == ["main.c"]


def test_failures_back_off_and_cap_attempts_per_content(
    make_reactor: MakeReactor, repo: Path, clock: FakeClock, backend: FakeBackend
) -> None:
    backend.fail = lambda rel: rel == "main.c"
    reactor = make_reactor()
    drain(reactor)
    assert backend.paths.count("main.c") == 1
    for _ in range(20):  # hammering ticks without time passing does not retry
        reactor.tick()
    assert backend.paths.count("main.c") == 1
    for _ in range(MAX_ATTEMPTS_PER_HASH + 3):
        clock.advance(3600)
        drain(reactor)
    assert backend.paths.count("main.c") == MAX_ATTEMPTS_PER_HASH
    backend.fail = lambda rel: False
    write(repo, "main.c", "int main(void) { return 3; }\n")  # new content: tried again
    clock.advance(1)
    drain(reactor)
    assert backend.paths.count("main.c") == MAX_ATTEMPTS_PER_HASH + 1
    assert doc_header(repo, "main.c") == f"SHA256: {sha256_of(repo / 'main.c')}"


def test_noop_is_not_asked_again_for_the_same_content(
    make_reactor: MakeReactor, backend: FakeBackend, clock: FakeClock
) -> None:
    backend.noop = lambda rel: rel == "main.c"
    reactor = make_reactor()
    drain(reactor)
    for _ in range(5):
        clock.advance(3600)
        drain(reactor)
    assert backend.paths.count("main.c") == 1


@pytest.mark.parametrize("lock", [DOCGEN_LOCK, LLMC_BATCH_LOCK])
def test_tick_skips_while_a_manual_run_holds_a_lock(
    make_reactor: MakeReactor, repo: Path, backend: FakeBackend, lock: Path
) -> None:
    reactor = make_reactor()
    (repo / lock).parent.mkdir(parents=True, exist_ok=True)
    with FileLock(repo / lock):
        result = reactor.tick()
        assert not result.work_done and result.status == "locked"
    assert drain(reactor)
    assert len(backend.requests) == 3


def test_dirty_overflow_triggers_rescan_that_loses_nothing(
    repo: Path, clock: FakeClock, backend: FakeBackend
) -> None:
    from reactor.config import DocgenConfig

    reactor = Reactor(repo, DocgenConfig(), clock=clock, backend=backend, max_dirty=5)
    try:
        drain(reactor)
        for i in range(50):
            write(repo, f"gen/f{i}.py", f"X = {i}\n")
            reactor.dirty.add(f"gen/f{i}.py")
        assert len(reactor.dirty) == 5 and reactor.dirty.dropped == 45
        clock.advance(1)
        drain(reactor, limit=200)
        assert all(doc_header(repo, f"gen/f{i}.py") for i in range(50))
        assert len(backend.paths) == len(set(backend.paths))  # no duplicate generations
    finally:
        reactor.close()


def test_a_tick_yields_to_a_declared_waiter(make_reactor: MakeReactor, repo: Path) -> None:
    """A manual run waiting for the docgen lock (its shared flock on `<lock>.waiting`) makes
    ticks skip, so it gets the lock at the next tick boundary instead of racing for it."""
    import fcntl

    reactor = make_reactor()
    reactor.lock.waiting_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(reactor.lock.waiting_path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)  # what another process does while it waits
        result = reactor.tick()
        assert result.status == "locked" and "waiting" in result.reason
        assert not reactor.lock.held
    finally:
        os.close(fd)
    assert reactor.tick().status == "rescanned"  # the waiter is gone: work goes on
