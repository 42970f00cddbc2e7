"""The process's inotify hub with real kernel events: it outlives any handler's bug, shares
watches between repos, and keeps a directory's watch when it moves into a new directory."""

from __future__ import annotations

import errno
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import FakeClock, wait_until, write
from reactor import inotify
from reactor.config import DocgenConfig
from reactor.dirty import DirtySet
from reactor.policy import SourcePolicy
from reactor.watcher import NATIVE_FAILURES_BEFORE_POLLING, Watcher


def dirty_paths(watcher: Watcher) -> set[str]:
    return {e.path for e in watcher.dirty.settled(-1, limit=1000)}


@pytest.fixture
def watcher(repo: Path, clock: FakeClock) -> Iterator[Watcher]:
    w = Watcher(SourcePolicy(repo, DocgenConfig()), DirtySet(clock=clock))
    w.start()
    assert w.mode == "native"
    yield w
    w.stop()


def wait_dirty(watcher: Watcher, rel: str) -> None:
    wait_until(lambda: rel in dirty_paths(watcher), what=f"{rel} dirty")


def test_event_parsing_reads_back_to_back_events() -> None:
    def raw(wd: int, mask: int, cookie: int, name: bytes) -> bytes:
        padded = name + b"\0" * (16 - len(name)) if name else b""
        return inotify._HEADER.pack(wd, mask, cookie, len(padded)) + padded

    buffer = raw(1, inotify.IN_CREATE, 0, b"a.py") + raw(-1, inotify.IN_Q_OVERFLOW, 0, b"")
    buffer += raw(2, inotify.IN_MOVED_TO | inotify.IN_ISDIR, 9, b"dir")
    events = list(inotify.parse(buffer))
    assert events == [
        inotify.Event(1, inotify.IN_CREATE, 0, b"a.py"),
        inotify.Event(-1, inotify.IN_Q_OVERFLOW, 0, b""),
        inotify.Event(2, inotify.IN_MOVED_TO | inotify.IN_ISDIR, 9, b"dir"),
    ]
    assert events[2].is_directory and events[2].is_moved_to and not events[0].is_directory


def test_a_failing_handler_never_stops_the_reader_thread(
    watcher: Watcher, repo: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    tree = watcher._tree
    assert tree is not None
    hub = tree.hub
    real = watcher.is_candidate

    def boom(rel: str) -> bool:
        if rel.endswith("boom.py"):
            raise RuntimeError("injected handler bug")
        return real(rel)

    monkeypatch.setattr(watcher, "is_candidate", boom)
    caplog.set_level(logging.ERROR, logger="reactor")
    write(repo, "boom.py", "X = 1\n")
    wait_until(lambda: watcher.native_failures >= 1, what="the failure handled")
    assert watcher.dirty.pop_tree() == ""  # what the event meant is found by a rescan
    assert any("injected handler bug" in m for m in caplog.messages)
    write(repo, "after.py", "Y = 2\n")  # the same thread delivers the next event
    wait_dirty(watcher, "after.py")
    assert watcher.native_failures == 0  # handled well: the count of failures in a row resets
    assert hub.thread.is_alive() and watcher.mode == "native"


def test_handlers_failing_again_and_again_move_the_repo_to_polling(
    watcher: Watcher, repo: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(rel: str) -> bool:
        raise RuntimeError("injected handler bug")

    monkeypatch.setattr(watcher, "is_candidate", boom)
    caplog.set_level(logging.WARNING, logger="reactor")
    for i in range(NATIVE_FAILURES_BEFORE_POLLING):  # each file fails one event or more
        write(repo, f"boom{i}.py", "X = 1\n")
        wait_until(
            lambda i=i: watcher.native_failures > i or watcher.mode == "polling",
            what=f"failure {i + 1}",
        )
    wait_until(lambda: watcher.mode == "polling", what="the fallback")
    warnings = [m for m in caplog.messages if "native file watching stopped" in m]
    assert len(warnings) == 1 and "polling" in warnings[0]
    assert watcher.fallback_reason is not None and "in a row" in watcher.fallback_reason


def test_the_watch_limit_reached_while_the_tree_grows_moves_the_repo_to_polling(
    watcher: Watcher, repo: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_watch_left(*args: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    caplog.set_level(logging.WARNING, logger="reactor")
    monkeypatch.setattr(inotify.Hub, "add_watch", no_watch_left)
    (repo / "newdir").mkdir()  # its watch cannot be added
    wait_until(lambda: watcher.mode == "polling", what="the fallback")
    assert watcher.native_failures == 0  # a limit, not a bug: no traceback, one warning
    assert [m for m in caplog.messages if "fs.inotify.max_user_watches" in m]
    assert watcher.dirty.pop_tree() == ""


def test_two_repos_watching_one_directory_keep_their_own_watches(
    repo: Path, clock: FakeClock
) -> None:
    policy = SourcePolicy(repo, DocgenConfig())
    first = Watcher(policy, DirtySet(clock=clock))
    second = Watcher(SourcePolicy(repo, DocgenConfig()), DirtySet(clock=clock))
    with first, second:
        assert first._tree is not None and second._tree is not None
        hub = first._tree.hub
        assert hub is second._tree.hub and hub.watches == first.watched_dirs
        first.stop()  # the kernel's watches stay for the second repo
        assert hub.watches == second.watched_dirs
        write(repo, "pkg/util.py", "def helper(): ...\n")
        wait_dirty(second, "pkg/util.py")


def test_a_directory_moved_into_a_new_directory_keeps_its_watch(
    watcher: Watcher, repo: Path
) -> None:
    write(repo, "src/bulk/a.py", "A = 1\n")
    wait_until(lambda: "src/bulk" in watched(watcher), what="src/bulk watched")
    os.mkdir(repo / "src/moved")
    os.rename(repo / "src/bulk", repo / "src/moved/bulk")
    wait_until(lambda: "src/moved/bulk" in watched(watcher), what="the moved dir watched")
    wait_until(lambda: "src/bulk" not in watched(watcher), what="the old name dropped")
    watcher.dirty.settled(-1, limit=1000)
    for entry in watcher.dirty.settled(-1, limit=1000):
        watcher.dirty.discard(entry)
    write(repo, "src/moved/bulk/a.py", "A = 2\n")  # an edit inside is seen at once
    wait_dirty(watcher, "src/moved/bulk/a.py")


def watched(watcher: Watcher) -> set[str]:
    tree = watcher._tree
    return set(tree._wd_of) if tree is not None else set()


def test_the_last_watcher_closes_the_instance_and_its_thread(repo: Path, clock: FakeClock) -> None:
    with Watcher(SourcePolicy(repo, DocgenConfig()), DirtySet(clock=clock)) as w:
        assert w._tree is not None
        hub = w._tree.hub
    assert not hub.thread.is_alive()
    assert inotify.Hub._shared is None
    threads = {t.name for t in threading.enumerate()}
    assert "reactor-inotify" not in threads
